package testkit

import (
	"fmt"
	"time"
)

// TB is the part of testing.TB that Eventually and EventuallyErr use;
// *testing.T and *testing.B satisfy it.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Poll intervals: start short so fast conditions pass quickly, back off so
// slow ones do not hammer a shared database on a small machine.
const (
	firstPoll = 5 * time.Millisecond
	maxPoll   = 100 * time.Millisecond
)

// Eventually polls cond until it returns true and fails the test with
// msgAndArgs (a format string and its arguments) if that has not happened
// within timeout.
func Eventually(t TB, timeout time.Duration, cond func() bool, msgAndArgs ...any) {
	t.Helper()
	if poll(timeout, func() error {
		if cond() {
			return nil
		}
		return errNotYet
	}) != nil {
		t.Fatalf("condition not met within %s: %s", timeout, message(msgAndArgs))
	}
}

// EventuallyErr polls fn until it returns nil and fails the test with the
// last error if that has not happened within timeout.
func EventuallyErr(t TB, timeout time.Duration, fn func() error) {
	t.Helper()
	if err := poll(timeout, fn); err != nil {
		t.Fatalf("condition not met within %s: last error: %v", timeout, err)
	}
}

var errNotYet = fmt.Errorf("condition false")

// poll calls fn until it returns nil or timeout has passed; it returns the
// last error. fn is always called at least once, and once more at the
// deadline so a slow first call does not make the wait shorter.
func poll(timeout time.Duration, fn func() error) error {
	deadline := time.Now().Add(timeout)
	interval := firstPoll
	for {
		err := fn()
		if err == nil {
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return err
		}
		time.Sleep(min(interval, left))
		interval = min(2*interval, maxPoll)
	}
}

func message(msgAndArgs []any) string {
	switch {
	case len(msgAndArgs) == 0:
		return "no message"
	case len(msgAndArgs) == 1:
		return fmt.Sprint(msgAndArgs[0])
	}
	if format, ok := msgAndArgs[0].(string); ok {
		return fmt.Sprintf(format, msgAndArgs[1:]...)
	}
	return fmt.Sprint(msgAndArgs...)
}
