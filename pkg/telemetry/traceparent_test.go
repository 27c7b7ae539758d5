package telemetry_test

import (
	"testing"

	"github.com/eventshop/eventshop/pkg/telemetry"
)

func TestNewAndChild(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tp := telemetry.New()
		if !telemetry.Valid(tp) || seen[tp] {
			t.Fatalf("New() = %q: valid %v, repeated %v", tp, telemetry.Valid(tp), seen[tp])
		}
		seen[tp] = true
		child := telemetry.Child(tp)
		if !telemetry.Valid(child) || telemetry.TraceID(child) != telemetry.TraceID(tp) || child[36:52] == tp[36:52] {
			t.Fatalf("Child(%q) = %q, want the same trace with another span id", tp, child)
		}
	}
}

func TestValid(t *testing.T) {
	tests := []struct {
		tp   string
		want bool
	}{
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true},
		{"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false}, // upper case
		{"00-00000000000000000000000000000000-00f067aa0ba902b7-01", false}, // zero trace id
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false}, // zero span id
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g", false},
		{"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
		{"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := telemetry.Valid(tt.tp); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v", tt.tp, got, tt.want)
		}
	}
}

func TestChildOfInvalidStartsATrace(t *testing.T) {
	if tp := telemetry.Child("garbage"); !telemetry.Valid(tp) {
		t.Errorf("Child(garbage) = %q, want a new valid trace", tp)
	}
}
