package load

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Percentile returns the p-th percentile (0-100) of values by the
// nearest-rank method, or 0 for none. values is sorted in place.
func Percentile(values []time.Duration, p float64) time.Duration {
	if len(values) == 0 {
		return 0
	}
	slices.Sort(values)
	rank := int(math.Ceil(p / 100 * float64(len(values))))
	return values[min(max(rank, 1), len(values))-1]
}

// Bucket is what happened in one interval of a run. Requests and their
// latencies count when the answer came; sagas when their final status was
// seen; Placed when the order was accepted.
type Bucket struct {
	Start     time.Duration // since the run began
	Requests  int
	Errors    int // HTTP requests with no answer, a 5xx or a 429
	Placed    int
	Confirmed int
	Rejected  int
	Cancelled int
	HTTP      []time.Duration
	Saga      []time.Duration
}

// Timeline gathers a run's events into buckets of equal width; it is safe
// for concurrent use.
type Timeline struct {
	mu      sync.Mutex
	began   time.Time
	width   time.Duration
	buckets []Bucket
}

// NewTimeline starts a timeline at began with buckets of width (0 means 1 s).
func NewTimeline(began time.Time, width time.Duration) *Timeline {
	if width <= 0 {
		width = time.Second
	}
	return &Timeline{began: began, width: width}
}

// Began is when the timeline starts.
func (t *Timeline) Began() time.Time { return t.began }

// Width is the buckets' width.
func (t *Timeline) Width() time.Duration { return t.width }

func (t *Timeline) bucket(at time.Time) *Bucket {
	i := max(int(at.Sub(t.began)/t.width), 0)
	for len(t.buckets) <= i {
		t.buckets = append(t.buckets, Bucket{Start: time.Duration(len(t.buckets)) * t.width})
	}
	return &t.buckets[i]
}

// Request records an HTTP answer (or failure) at at.
func (t *Timeline) Request(at time.Time, latency time.Duration, failed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bucket(at)
	b.Requests++
	b.HTTP = append(b.HTTP, latency)
	if failed {
		b.Errors++
	}
}

// Placed records an accepted order at at.
func (t *Timeline) Placed(at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.bucket(at).Placed++
}

// Saga records an order's final status, seen at at, latency after it was placed.
func (t *Timeline) Saga(at time.Time, latency time.Duration, status string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bucket(at)
	b.Saga = append(b.Saga, latency)
	switch status {
	case "CONFIRMED":
		b.Confirmed++
	case "REJECTED":
		b.Rejected++
	case "CANCELLED":
		b.Cancelled++
	}
}

// Buckets returns a copy of the buckets so far, in time order.
func (t *Timeline) Buckets() []Bucket { return t.since(0) }

// since copies the buckets from the i-th on: a live view needs only the
// last few, not a copy of every latency of the run each second.
func (t *Timeline) since(i int) []Bucket {
	t.mu.Lock()
	defer t.mu.Unlock()
	i = min(max(i, 0), len(t.buckets))
	out := make([]Bucket, 0, len(t.buckets)-i)
	for _, b := range t.buckets[i:] {
		b.HTTP, b.Saga = slices.Clone(b.HTTP), slices.Clone(b.Saga)
		out = append(out, b)
	}
	return out
}

// requests counts the requests answered so far.
func (t *Timeline) requests() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, b := range t.buckets {
		n += b.Requests
	}
	return n
}
