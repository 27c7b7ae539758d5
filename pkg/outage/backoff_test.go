package outage_test

import (
	"testing"
	"time"

	"github.com/eventshop/eventshop/pkg/outage"
)

func TestBackoffDoublesUpToMax(t *testing.T) {
	t.Parallel()
	b := outage.Backoff{First: 100 * time.Millisecond, Max: time.Second}
	tests := []struct {
		failures uint64
		want     time.Duration
	}{
		{0, 100 * time.Millisecond},
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{4, 800 * time.Millisecond},
		{5, time.Second},
		{1 << 40, time.Second},
	}
	for _, tt := range tests {
		if got := b.Delay(tt.failures); got != tt.want {
			t.Errorf("Delay(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
	if got := (outage.Backoff{}).Delay(100); got != outage.DefaultMax {
		t.Errorf("zero Backoff's Delay(100) = %v, want DefaultMax %v", got, outage.DefaultMax)
	}
}
