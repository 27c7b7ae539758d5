package chaos

import (
	"slices"
	"time"

	"github.com/eventshop/eventshop/tools/load"
)

// Recovery settings: the rate before a fault is the mean confirmed
// orders per second over the last preWindow of seconds before it starts
// that lie outside every earlier fault and its recovery, the busiest and
// the quietest of them left out; the platform has recovered when the mean
// over postWindow reaches recoveredShare of it.
//
// Why: the full schedule leaves 8 s between faults, and the plain mean
// over the 10 s before a fault took in the end of the one before and the
// burst of confirmations its backlog released. A reference raised by such
// a burst is above the rate the load can sustain, so the fault counted as
// never recovered, until the end of the run; one lowered by the previous
// fault's outage made a fault that struck during it look recovered at
// once. And at some fifteen confirmations a second, the mean of 10 s
// varies by a tenth from one window to the next, as much as the 90 %
// margin: 30 s of undisturbed seconds give a steadier reference.
const (
	preWindow      = 30 * time.Second
	postWindow     = 3 * time.Second
	recoveredShare = 0.9
)

// RecoveryTimes returns, for each of windows in time order, how long after
// it ended confirmed orders per second came back to recoveredShare of the
// rate before it began. A fault with no rate to recover (none before it)
// recovers at once; one never recovered within the timeline counts until
// the timeline's end.
func RecoveryTimes(tl *load.Timeline, windows []Window) []time.Duration {
	counts := confirmedPerBucket(tl)
	width := tl.Width()
	// disturbed marks the buckets of earlier faults and their recoveries.
	disturbed := make([]bool, len(counts))
	out := make([]time.Duration, len(windows))
	for i, w := range windows {
		start, end := w.Start.Sub(tl.Began()), w.End.Sub(tl.Began())
		var rec time.Duration
		if before := reference(counts, disturbed, int(start/width), int(preWindow/width)); before > 0 {
			rec = recoveredAfter(counts, width, end, recoveredShare*before/width.Seconds())
		}
		out[i] = rec
		for b := max(int(start/width), 0); b < len(counts) && time.Duration(b)*width < end+rec+width; b++ {
			disturbed[b] = true
		}
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

// reference is the mean confirmed orders per bucket over the n undisturbed
// buckets before bucket upTo, the highest and the lowest left out when
// there are more than two.
func reference(counts []int, disturbed []bool, upTo, n int) float64 {
	var picked []int
	for b := min(upTo, len(counts)) - 1; b >= 0 && len(picked) < n; b-- {
		if !disturbed[b] {
			picked = append(picked, counts[b])
		}
	}
	if len(picked) == 0 {
		return 0
	}
	slices.Sort(picked)
	if len(picked) > 2 {
		picked = picked[1 : len(picked)-1]
	}
	sum := 0
	for _, c := range picked {
		sum += c
	}
	return float64(sum) / float64(len(picked))
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
