package load

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Constant paces operations at rate per second for the whole run.
func Constant(rate float64) vegeta.Pacer {
	return StepPacer{Rates: []float64{rate}}
}

// Ramp paces operations from rate from to rate to, linearly over the given
// duration (and on at the same slope after it). A start at zero begins at
// one operation in 1,000 s: vegeta reads a zero rate as unlimited.
func Ramp(from, to float64, over time.Duration) vegeta.Pacer {
	from = max(from, 0.001)
	return vegeta.LinearPacer{
		StartAt: perSecond(from),
		Slope:   (to - from) / over.Seconds(),
	}
}

// Steps paces operations at each of rates in turn, each for every.
func Steps(every time.Duration, rates ...float64) vegeta.Pacer {
	return StepPacer{Rates: rates, Every: every}
}

// perSecond turns a fractional rate into vegeta's integer frequency.
func perSecond(rate float64) vegeta.Rate {
	return vegeta.Rate{Freq: int(math.Round(rate * 1000)), Per: 1000 * time.Second}
}

// StepPacer is a vegeta.Pacer whose rate is Rates[i] during the i-th
// interval of length Every, and the last rate after them. A zero Every,
// or a single rate, is a constant rate. vegeta has constant, linear and
// sine pacers, but none for a staircase, which is how capacity is found.
type StepPacer struct {
	Rates []float64
	Every time.Duration
}

// Rate returns the rate, per second, in force at elapsed.
func (p StepPacer) Rate(elapsed time.Duration) float64 {
	if len(p.Rates) == 0 {
		return 0
	}
	i := len(p.Rates) - 1
	if p.Every > 0 {
		i = min(int(elapsed/p.Every), i)
	}
	return p.Rates[i]
}

// hits is how many operations should have left by elapsed.
func (p StepPacer) hits(elapsed time.Duration) float64 {
	var n float64
	for i, r := range p.Rates {
		start := time.Duration(i) * p.Every
		if elapsed <= start && i > 0 {
			break
		}
		span := elapsed - start
		if p.Every > 0 && i < len(p.Rates)-1 {
			span = min(span, p.Every)
		}
		n += r * span.Seconds()
		if p.Every == 0 {
			break
		}
	}
	return n
}

// at is the elapsed time by which n operations should have left, or false
// when the schedule never reaches n (a trailing zero rate).
func (p StepPacer) at(n float64) (time.Duration, bool) {
	var done float64
	for i, r := range p.Rates {
		last := p.Every == 0 || i == len(p.Rates)-1
		start := time.Duration(i) * p.Every
		if r > 0 {
			need := (n - done) / r
			if last || need <= p.Every.Seconds() {
				return start + time.Duration(need*float64(time.Second)), true
			}
		}
		if last {
			return 0, false
		}
		done += r * p.Every.Seconds()
	}
	return 0, false
}

// Pace returns how long to wait before the next operation, given how many
// have left: none when behind the schedule, and stop when it ends at zero.
func (p StepPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if float64(hits) < math.Floor(p.hits(elapsed)) {
		return 0, false
	}
	t, ok := p.at(float64(hits + 1))
	if !ok {
		return 0, true
	}
	return max(t-elapsed, 0), false
}

// ParseSchedule reads a schedule for a run of length d:
//
//	50               constant 50 operations per second
//	constant:50      the same
//	ramp:10:200      linearly from 10 to 200 per second over d
//	steps:10:20:40   10, then 20, then 40 per second, each for a third of d
func ParseSchedule(spec string, d time.Duration) (vegeta.Pacer, error) {
	kind, args, found := strings.Cut(spec, ":")
	if !found {
		kind, args = "constant", spec
	}
	var rates []float64
	for _, f := range strings.Split(args, ":") {
		r, err := strconv.ParseFloat(f, 64)
		if err != nil || r < 0 || math.IsInf(r, 0) || math.IsNaN(r) {
			return nil, fmt.Errorf("schedule %q: rate %q is not a number >= 0", spec, f)
		}
		rates = append(rates, r)
	}
	switch {
	case kind == "constant" && len(rates) == 1:
		return Constant(rates[0]), nil
	case kind == "ramp" && len(rates) == 2:
		if d <= 0 {
			return nil, fmt.Errorf("schedule %q: a ramp needs a duration", spec)
		}
		return Ramp(rates[0], rates[1], d), nil
	case kind == "steps" && len(rates) >= 1:
		if d <= 0 {
			return nil, fmt.Errorf("schedule %q: steps need a duration", spec)
		}
		return Steps(d/time.Duration(len(rates)), rates...), nil
	}
	return nil, fmt.Errorf("schedule %q: want RATE, constant:RATE, ramp:FROM:TO or steps:R1:R2:...", spec)
}
