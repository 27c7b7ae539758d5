package outbox

import (
	"testing"
	"time"
)

// TestRetryPauseDoublesUpToTheInterval follows the relay's pause through
// five failed passes and a success.
func TestRetryPauseDoublesUpToTheInterval(t *testing.T) {
	most := time.Second
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second}
	var pause time.Duration
	for i, w := range want {
		if pause = retryPause(pause, true, most); pause != w {
			t.Fatalf("pause after failure %d = %v, want %v", i+1, pause, w)
		}
	}
	if pause = retryPause(pause, false, most); pause != 0 {
		t.Errorf("pause after a success = %v, want none", pause)
	}
	if got := retryPause(0, true, 10*time.Millisecond); got != 10*time.Millisecond {
		t.Errorf("first pause with a 10ms interval = %v, want 10ms", got)
	}
}
