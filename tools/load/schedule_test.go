package load_test

import (
	"math"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/eventshop/eventshop/tools/load"
)

// simulate runs a pacer on a virtual clock as an attacker would, and
// returns when each hit left.
func simulate(t *testing.T, p vegeta.Pacer, d time.Duration) []time.Duration {
	t.Helper()
	var at []time.Duration
	var now time.Duration
	for now < d && len(at) < 1_000_000 {
		wait, stop := p.Pace(now, uint64(len(at)))
		if stop {
			break
		}
		if wait > 0 {
			now += wait
			continue
		}
		at = append(at, now)
	}
	return at
}

// countIn counts the hits in [from, to).
func countIn(at []time.Duration, from, to time.Duration) int {
	n := 0
	for _, a := range at {
		if a >= from && a < to {
			n++
		}
	}
	return n
}

func TestScheduleHitsPerSecond(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		pacer vegeta.Pacer
		want  []int // hits in each second
	}{
		{"constant", load.Constant(50), []int{50, 50, 50, 50}},
		{"fractional constant", load.Constant(2.5), []int{3, 2, 3, 2}},
		{"ramp", load.Ramp(10, 50, 4*time.Second), []int{15, 25, 35, 45}},
		{"steps", load.Steps(time.Second, 10, 20, 40), []int{10, 20, 40, 40}},
		{"steps with a pause", load.Steps(time.Second, 10, 0, 30), []int{10, 0, 30, 30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			at := simulate(t, tt.pacer, time.Duration(len(tt.want))*time.Second)
			for i, want := range tt.want {
				got := countIn(at, time.Duration(i)*time.Second, time.Duration(i+1)*time.Second)
				if math.Abs(float64(got-want)) > 1 {
					t.Errorf("second %d: %d hits, want %d±1", i, got, want)
				}
			}
		})
	}
}

func TestScheduleIsEvenWithinASecond(t *testing.T) {
	t.Parallel()
	at := simulate(t, load.Constant(100), time.Second)
	for i := 1; i < len(at); i++ {
		if gap := at[i] - at[i-1]; gap < 9*time.Millisecond || gap > 11*time.Millisecond {
			t.Fatalf("gap %d is %s, want 10ms: an open loop spreads its arrivals", i, gap)
		}
	}
}

func TestScheduleCatchesUpWhenBehind(t *testing.T) {
	t.Parallel()
	// 3 s in with nothing sent: the pacer asks for the missed hits at once.
	for _, p := range []vegeta.Pacer{load.Constant(10), load.Steps(time.Second, 10, 10, 10, 10)} {
		if wait, stop := p.Pace(3*time.Second, 5); wait != 0 || stop {
			t.Errorf("%#v: wait %s stop %v, want to send now", p, wait, stop)
		}
	}
}

func TestStepsEndAtATrailingZero(t *testing.T) {
	t.Parallel()
	at := simulate(t, load.Steps(time.Second, 10, 0), 10*time.Second)
	if len(at) != 10 {
		t.Errorf("%d hits, want the first step's 10 and then none", len(at))
	}
}

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	d := 4 * time.Second
	tests := []struct {
		spec    string
		at      time.Duration
		rate    float64
		wantErr bool
	}{
		{spec: "50", at: time.Second, rate: 50},
		{spec: "constant:7.5", at: 3 * time.Second, rate: 7.5},
		{spec: "ramp:10:50", at: 2 * time.Second, rate: 30},
		{spec: "steps:10:20", at: 3 * time.Second, rate: 20},
		{spec: "steps:10:20", at: time.Second, rate: 10},
		{spec: "fast", wantErr: true},
		{spec: "ramp:10", wantErr: true},
		{spec: "constant:-1", wantErr: true},
		{spec: "sine:10", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			t.Parallel()
			p, err := load.ParseSchedule(tt.spec, d)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got := p.Rate(tt.at); math.Abs(got-tt.rate) > 0.01 {
				t.Errorf("rate at %s = %g, want %g", tt.at, got, tt.rate)
			}
		})
	}
}
