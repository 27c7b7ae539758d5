package outage

import "time"

// Defaults of Backoff's zero values.
const (
	DefaultFirst = 250 * time.Millisecond
	DefaultMax   = 10 * time.Second
)

// Backoff is a capped exponential schedule: First after the first failure,
// doubled after each further one, never more than Max.
type Backoff struct {
	// First is the delay after the first failure. Zero means DefaultFirst.
	First time.Duration
	// Max caps the delay. Zero means DefaultMax.
	Max time.Duration
}

// Delay is the pause after the n-th failure in a row (n from 1).
func (b Backoff) Delay(n uint64) time.Duration {
	first, ceiling := b.First, b.Max
	if first <= 0 {
		first = DefaultFirst
	}
	if ceiling <= 0 {
		ceiling = DefaultMax
	}
	d := first
	for i := uint64(1); i < n && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}
