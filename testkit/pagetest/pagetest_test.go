package pagetest_test

import (
	"testing"

	"github.com/eventshop/eventshop/testkit/pagetest"
)

// recorder notes failures instead of failing, so that the checks' own
// failures can be asserted.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }

func TestExactlyOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		got        []string
		shouldFail bool
	}{
		{name: "all once", got: []string{"a", "b", "c"}},
		{name: "added shown", got: []string{"a", "n", "b", "c"}},
		{name: "missing", got: []string{"a", "c"}, shouldFail: true},
		{name: "twice", got: []string{"a", "b", "b", "c"}, shouldFail: true},
		{name: "stranger", got: []string{"a", "b", "c", "x"}, shouldFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &recorder{TB: t}
			pagetest.ExactlyOnce(r, tt.got, []string{"a", "b", "c"}, []string{"n"})
			if r.failed != tt.shouldFail {
				t.Errorf("failed = %v, want %v", r.failed, tt.shouldFail)
			}
		})
	}
}

func TestWalkFollowsCursors(t *testing.T) {
	t.Parallel()
	pages := map[string]pagetest.Page{"": {IDs: []string{"a"}, Next: "1"}, "1": {IDs: []string{"b"}, Next: "2"}, "2": {IDs: []string{"c"}}}
	calls := 0
	got := pagetest.Walk(t, func(c string) pagetest.Page { return pages[c] }, func() { calls++ })
	if len(got) != 3 || calls != 2 {
		t.Errorf("read %v with %d calls between pages; want 3 ids, 2 calls", got, calls)
	}
}
