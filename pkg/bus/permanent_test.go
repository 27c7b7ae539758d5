package bus_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/eventshop/eventshop/pkg/bus"
)

func TestIsPermanent(t *testing.T) {
	t.Parallel()
	cause := errors.New("unknown product")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", cause, false},
		{"permanent", bus.Permanent(cause), true},
		{"wrapped permanent", fmt.Errorf("reserve stock: %w", bus.Permanent(cause)), true},
		{"joined permanent", errors.Join(cause, bus.Permanent(cause)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := bus.IsPermanent(tt.err); got != tt.want {
				t.Errorf("IsPermanent(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
	if bus.Permanent(nil) != nil {
		t.Error("Permanent(nil) is not nil")
	}
	if !errors.Is(bus.Permanent(cause), cause) {
		t.Error("Permanent hides its cause from errors.Is")
	}
}
