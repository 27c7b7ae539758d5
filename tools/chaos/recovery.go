package chaos

import (
	"time"

	"github.com/eventshop/eventshop/tools/load"
)

// Recovery settings: the rate before a fault is the mean confirmed
// orders per second over preWindow before it starts; the platform has
// recovered when the mean over postWindow reaches recoveredShare of it.
const (
	preWindow      = 10 * time.Second
	postWindow     = 3 * time.Second
	recoveredShare = 0.9
)

// RecoveryTime is how long after w ended confirmed orders per second came
// back to recoveredShare of the rate before w began. A fault that met no
// rate to recover (none before it) recovers at once; one never recovered
// within the timeline counts until the timeline's end.
func RecoveryTime(tl *load.Timeline, w Window) time.Duration {
	buckets := tl.Buckets()
	width := tl.Width()
	rate := func(from, to time.Duration) float64 {
		n := 0
		for _, b := range buckets {
			if b.Start >= from && b.Start+width <= to {
				n += b.Confirmed
			}
		}
		return float64(n) / (to - from).Seconds()
	}
	start, end := w.Start.Sub(tl.Began()), w.End.Sub(tl.Began())
	before := rate(max(start-preWindow, 0), start)
	if before <= 0 {
		return 0
	}
	last := time.Duration(len(buckets)) * width
	// Align to the buckets: the first whole bucket after the fault's end.
	first := (end + width - 1) / width * width
	for t := first; t+postWindow <= last; t += width {
		if rate(t, t+postWindow) >= recoveredShare*before {
			return max(t-end, 0)
		}
	}
	return max(last-end, 0)
}

// SagaP99Outside is the 99th percentile of the sagas that neither began
// nor ended inside a fault window.
func SagaP99Outside(entries []load.Entry, windows []Window) time.Duration {
	var lat []time.Duration
	for _, e := range entries {
		if e.Op != load.OpSaga || e.End.IsZero() {
			continue
		}
		if overlaps(e.Start, e.End, windows) {
			continue
		}
		lat = append(lat, e.End.Sub(e.Start))
	}
	return load.Percentile(lat, 99)
}

func overlaps(start, end time.Time, windows []Window) bool {
	for _, w := range windows {
		if start.Before(w.End) && end.After(w.Start) {
			return true
		}
	}
	return false
}
