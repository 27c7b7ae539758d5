package testkit_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eventshop/eventshop/testkit"
)

// recorder is a testkit.TB that records failures instead of stopping the
// test, so the failing paths of Eventually can be checked.
type recorder struct {
	failures []string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func TestEventually(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cond     func() func() bool
		msg      []any
		wantFail string // substring of the failure; empty means it must pass
	}{
		{"true at once", func() func() bool { return func() bool { return true } }, nil, ""},
		{"true on third call", func() func() bool {
			calls := 0
			return func() bool { calls++; return calls >= 3 }
		}, nil, ""},
		{"never true", func() func() bool { return func() bool { return false } },
			[]any{"order %s not %s", "o1", "CONFIRMED"}, "order o1 not CONFIRMED"},
		{"never true without message", func() func() bool { return func() bool { return false } },
			nil, "condition not met within"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &recorder{}
			testkit.Eventually(r, 50*time.Millisecond, tt.cond(), tt.msg...)
			checkFailures(t, r.failures, tt.wantFail)
		})
	}
}

func TestEventuallyErr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fn       func() func() error
		wantFail string
	}{
		{"nil at once", func() func() error { return func() error { return nil } }, ""},
		{"nil on third call", func() func() error {
			calls := 0
			return func() error {
				calls++
				if calls < 3 {
					return errors.New("not yet")
				}
				return nil
			}
		}, ""},
		{"reports the last error", func() func() error {
			calls := 0
			return func() error {
				calls++
				if calls == 1 {
					return errors.New("first")
				}
				return errors.New("later")
			}
		}, "last error: later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &recorder{}
			testkit.EventuallyErr(r, 50*time.Millisecond, tt.fn())
			checkFailures(t, r.failures, tt.wantFail)
		})
	}
}

func checkFailures(t *testing.T, failures []string, want string) {
	t.Helper()
	switch {
	case want == "" && len(failures) > 0:
		t.Errorf("unexpected failure: %q", failures)
	case want != "" && len(failures) != 1:
		t.Errorf("got %d failures %q, want exactly one", len(failures), failures)
	case want != "" && !strings.Contains(failures[0], want):
		t.Errorf("failure %q does not contain %q", failures[0], want)
	}
}
