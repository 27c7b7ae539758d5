package chaos

import (
	"time"

	"github.com/eventshop/eventshop/tools/load"
)

// Recovery settings: the platform has recovered from a fault when the mean
// confirmed orders per second over postWindow reaches recoveredShare of
// its steady rate: the fault-free baseline run's, at the same load, or,
// without one, the mean over the preWindow before the first fault.
//
// Why one steady rate and not the rate just before each fault: the full
// schedule leaves 8 s between faults, so the seconds before a fault hold
// the previous fault's outage or the burst of confirmations its backlog
// releases. Measured against an outage, a fault looks recovered at once;
// against a burst, never. What a fault costs is the time until the
// platform confirms orders as fast as it does without faults; a backlog
// draining faster than that counts as recovered.
const (
	preWindow      = 30 * time.Second
	postWindow     = 3 * time.Second
	recoveredShare = 0.9
)

// RecoveryTimes returns, for each of windows, how long after it ended
// confirmed orders per second came back to recoveredShare of steady (a
// rate per second; zero means the mean over preWindow before the first
// window). A fault with no rate to recover recovers at once; one never
// recovered within the timeline counts until the timeline's end.
func RecoveryTimes(tl *load.Timeline, windows []Window, steady float64) []time.Duration {
	counts := confirmedPerBucket(tl)
	width := tl.Width()
	if steady <= 0 && len(windows) > 0 {
		steady = meanBefore(counts, width, windows[0].Start.Sub(tl.Began()))
	}
	out := make([]time.Duration, len(windows))
	if steady <= 0 {
		return out
	}
	for i, w := range windows {
		out[i] = recoveredAfter(counts, width, w.End.Sub(tl.Began()), recoveredShare*steady)
	}
	return out
}

func confirmedPerBucket(tl *load.Timeline) []int {
	buckets := tl.Buckets()
	counts := make([]int, len(buckets))
	for i, b := range buckets {
		counts[i] = b.Confirmed
	}
	return counts
}

// meanBefore is the mean confirmed orders per second over the preWindow
// before start (or over what there is of it).
func meanBefore(counts []int, width, start time.Duration) float64 {
	from, to := max(int((start-preWindow)/width), 0), min(int(start/width), len(counts))
	if to <= from {
		return 0
	}
	n := 0
	for _, c := range counts[from:to] {
		n += c
	}
	return float64(n) / (time.Duration(to-from) * width).Seconds()
}

// recoveredAfter is the time from end to the first whole bucket from which
// the mean over postWindow reaches perSecond, or to the timeline's end.
func recoveredAfter(counts []int, width, end time.Duration, perSecond float64) time.Duration {
	span := int(postWindow / width)
	last := time.Duration(len(counts)) * width
	first := int((end + width - 1) / width)
	for b := first; b+span <= len(counts); b++ {
		n := 0
		for _, c := range counts[b : b+span] {
			n += c
		}
		if float64(n)/postWindow.Seconds() >= perSecond {
			return max(time.Duration(b)*width-end, 0)
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
