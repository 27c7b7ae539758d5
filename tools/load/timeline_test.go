package load_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/tools/load"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	tests := []struct {
		name   string
		values []time.Duration
		p      float64
		want   time.Duration
	}{
		{"none", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"median of odd", ms(5, 1, 3), 50, 3 * time.Millisecond},
		{"median of even is the lower", ms(4, 1, 3, 2), 50, 2 * time.Millisecond},
		{"p99 of 100", ms(seq(100)...), 99, 99 * time.Millisecond},
		{"p99 of 1000", ms(seq(1000)...), 99, 990 * time.Millisecond},
		{"p100 is the max", ms(3, 9, 1), 100, 9 * time.Millisecond},
		{"p0 is the min", ms(3, 9, 1), 0, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := load.Percentile(tt.values, tt.p); got != tt.want {
				t.Errorf("p%g = %s, want %s", tt.p, got, tt.want)
			}
		})
	}
}

// seq is 1..n.
func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

func TestTimelineBuckets(t *testing.T) {
	t.Parallel()
	began := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tl := load.NewTimeline(began, time.Second)
	at := func(ms int) time.Time { return began.Add(time.Duration(ms) * time.Millisecond) }
	tl.Request(at(100), 5*time.Millisecond, false)
	tl.Request(at(900), 7*time.Millisecond, true)
	tl.Placed(at(950))
	tl.Request(at(2500), 9*time.Millisecond, false)
	tl.Saga(at(2600), 300*time.Millisecond, "CONFIRMED")
	tl.Saga(at(2700), 400*time.Millisecond, "CANCELLED")
	tl.Saga(at(2800), 500*time.Millisecond, "REJECTED")
	tl.Request(at(-50), time.Millisecond, false) // before the start: the first bucket

	want := []load.Bucket{
		{Start: 0, Requests: 3, Errors: 1, Placed: 1,
			HTTP: []time.Duration{5 * time.Millisecond, 7 * time.Millisecond, time.Millisecond}},
		{Start: time.Second},
		{Start: 2 * time.Second, Requests: 1, Confirmed: 1, Cancelled: 1, Rejected: 1,
			HTTP: []time.Duration{9 * time.Millisecond},
			Saga: []time.Duration{300 * time.Millisecond, 400 * time.Millisecond, 500 * time.Millisecond}},
	}
	if diff := cmp.Diff(want, tl.Buckets()); diff != "" {
		t.Errorf("buckets (-want +got):\n%s", diff)
	}
}

func TestTimelineBucketsAreACopy(t *testing.T) {
	t.Parallel()
	tl := load.NewTimeline(time.Now(), time.Second)
	tl.Request(time.Now(), 3*time.Millisecond, false)
	got := tl.Buckets()
	got[0].HTTP[0] = time.Hour
	load.Percentile(got[0].HTTP, 50)
	if tl.Buckets()[0].HTTP[0] != 3*time.Millisecond {
		t.Error("changing a returned bucket changed the timeline")
	}
}
