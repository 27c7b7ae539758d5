package chaos_test

import (
	"testing"
	"time"

	"github.com/eventshop/eventshop/tools/chaos"
	"github.com/eventshop/eventshop/tools/load"
)

// confirmations builds a timeline of one-second buckets from began, with
// perSecond[i] orders confirmed in the i-th second.
func confirmations(began time.Time, perSecond []int) *load.Timeline {
	tl := load.NewTimeline(began, time.Second)
	for i, n := range perSecond {
		for k := range n {
			at := began.Add(time.Duration(i)*time.Second + time.Duration(k)*time.Millisecond)
			tl.Saga(at, 100*time.Millisecond, "CONFIRMED")
		}
	}
	return tl
}

// steady returns n seconds of rate confirmations a second.
func steady(n, rate int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = rate
	}
	return out
}

func window(began time.Time, kind string, from, to time.Duration) chaos.Window {
	return chaos.Window{Fault: chaos.Fault{Kind: kind}, Start: began.Add(from), End: began.Add(to)}
}

func TestRecoveryIsTheTimeUntilTheRateIsBack(t *testing.T) {
	began := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// 10/s, nothing from 20 s to 27 s, 10/s again.
	counts := append(append(steady(20, 10), steady(7, 0)...), steady(20, 10)...)
	// No baseline: the steady rate is the 10/s before the fault.
	got := chaos.RecoveryTimes(confirmations(began, counts), []chaos.Window{window(began, "kill", 20*time.Second, 21*time.Second)}, 0)
	if want := 6 * time.Second; got[0] != want {
		t.Errorf("recovery %v, want %v", got[0], want)
	}
}

// A burst of confirmations just before a fault (the backlog of the one
// before it draining) is no rate the load can sustain: measured against
// it, the fault would never recover. The baseline's rate is the measure.
func TestRecoveryIgnoresABurstBeforeTheFault(t *testing.T) {
	began := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	counts := steady(60, 10)
	counts[25] = 40
	for s := 28; s < 33; s++ {
		counts[s] = 0
	}
	got := chaos.RecoveryTimes(confirmations(began, counts), []chaos.Window{window(began, "kill", 28*time.Second, 29*time.Second)}, 10)
	if want := 4 * time.Second; got[0] != want {
		t.Errorf("recovery %v, want %v", got[0], want)
	}
}

// A fault that strikes while an earlier one has not recovered is measured
// against the steady rate, not the outage's.
func TestRecoveryOfAFaultDuringAnEarlierOutage(t *testing.T) {
	began := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	counts := append(append(steady(20, 10), steady(20, 0)...), steady(30, 10)...)
	windows := []chaos.Window{
		window(began, "kill", 20*time.Second, 21*time.Second),
		window(began, "kill", 30*time.Second, 31*time.Second),
	}
	got := chaos.RecoveryTimes(confirmations(began, counts), windows, 10)
	if want := []time.Duration{19 * time.Second, 9 * time.Second}; got[0] != want[0] || got[1] != want[1] {
		t.Errorf("recoveries %v, want %v", got, want)
	}
}

func TestRecoveryNeverReachedCountsToTheEnd(t *testing.T) {
	began := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	counts := append(steady(20, 10), steady(10, 5)...)
	got := chaos.RecoveryTimes(confirmations(began, counts), []chaos.Window{window(began, "latency", 20*time.Second, 22*time.Second)}, 10)
	if want := 8 * time.Second; got[0] != want {
		t.Errorf("recovery %v, want %v", got[0], want)
	}
}

// A backlog draining faster than the steady rate counts as recovered,
// even though it is followed by a slower stretch: what a fault costs is
// the time until orders are confirmed as fast as without faults.
func TestRecoveryCountsADrainingBacklog(t *testing.T) {
	began := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	counts := append(append(append(steady(20, 10), steady(5, 0)...), steady(3, 30)...), steady(20, 10)...)
	got := chaos.RecoveryTimes(confirmations(began, counts), []chaos.Window{window(began, "kill", 20*time.Second, 21*time.Second)}, 10)
	if want := 2 * time.Second; got[0] != want { // the window 23–26 s holds 30 of the burst
		t.Errorf("recovery %v, want %v", got[0], want)
	}
}
