package load

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// run sends the arrivals, waits for their answers, follows the placed
// orders to their end and sums the run up.
func (r *Run) run(ctx context.Context) {
	defer close(r.done)
	s := r.state
	drain := make(chan struct{})
	tracked := make(chan struct{})
	go func() {
		defer close(tracked)
		s.tracker.run(ctx, drain)
	}()
	liveDone := make(chan struct{})
	liveStop := make(chan struct{})
	go func() {
		defer close(liveDone)
		r.live(liveStop)
	}()
	period := s.arrive(ctx, r.stop)
	s.mu.Lock()
	s.ended = true
	s.mu.Unlock()
	r.cfg.Logger.Info("arrivals over; waiting for answers and sagas", "period", period.Round(time.Millisecond))
	s.ops.Wait()
	close(drain)
	<-tracked
	close(liveStop)
	<-liveDone
	r.report.Summary = r.summarise(period)
	if err := ctx.Err(); err != nil {
		r.err = fmt.Errorf("load run: %w", err)
	}
}

// stats is the live snapshot: the rate over the last full second and the
// latency percentiles over the last five.
func (s *state) stats() Stats {
	elapsed := time.Since(s.began)
	st := Stats{Elapsed: elapsed, Remaining: max(s.cfg.Duration-elapsed, 0), InFlight: int(s.inFlight.Load()),
		Requests: s.tl.requests()}
	var recent []time.Duration
	cur := int(elapsed / s.tl.Width())
	for _, b := range s.tl.since(cur - 5) {
		if int(b.Start/s.tl.Width()) == cur-1 {
			st.RPS = float64(b.Requests) / s.tl.Width().Seconds()
		}
		recent = append(recent, b.HTTP...)
	}
	st.HTTPP50, st.HTTPP99 = Percentile(recent, 50), Percentile(recent, 99)
	s.mu.Lock()
	st.Arrivals, st.Orders, st.Settling = s.arrivals, s.orders, s.ended
	for _, c := range s.counts {
		st.Errors += c.Errors
	}
	s.mu.Unlock()
	if st.Settling {
		st.Remaining = 0
	}
	t := s.tracker
	t.mu.Lock()
	st.Finished, st.Confirmed = t.finished, t.outcomes["CONFIRMED"]
	t.mu.Unlock()
	return st
}

// String renders the snapshot as the live view's line.
func (st Stats) String() string {
	when := fmt.Sprintf("%4.0fs, %3.0fs left", st.Elapsed.Seconds(), st.Remaining.Seconds())
	if st.Settling {
		when = fmt.Sprintf("%4.0fs, settling", st.Elapsed.Seconds())
	}
	return fmt.Sprintf("[%s] %6.1f req/s  errors %d  p50 %s  p99 %s  in flight %d  orders %d  sagas %d/%d (confirmed %d)",
		when, st.RPS, st.Errors, ms(st.HTTPP50)+"ms", ms(st.HTTPP99)+"ms", st.InFlight,
		st.Orders, st.Finished, st.Orders, st.Confirmed)
}

// live prints the view every LiveEvery until stop is closed.
func (r *Run) live(stop <-chan struct{}) {
	if r.cfg.Live == nil {
		<-stop
		return
	}
	tick := time.NewTicker(r.cfg.LiveEvery)
	defer tick.Stop()
	show := func(end string) {
		line := r.state.stats().String()
		if r.cfg.LiveRefresh {
			fmt.Fprint(r.cfg.Live, "\r\033[K"+line+end)
			return
		}
		fmt.Fprintln(r.cfg.Live, strings.TrimSpace(line))
	}
	for {
		select {
		case <-stop:
			show("\n")
			return
		case <-tick.C:
			show("")
		}
	}
}

// summarise sums the run up once every saga is final or given up.
func (r *Run) summarise(period time.Duration) Summary {
	s := r.state
	sum := Summary{Duration: period, Ops: map[Op]OpCount{}}
	var http []time.Duration
	for _, b := range s.tl.Buckets() {
		sum.Requests += b.Requests
		sum.HTTPErrors += b.Errors
		http = append(http, b.HTTP...)
	}
	sum.HTTPP50, sum.HTTPP99 = Percentile(http, 50), Percentile(http, 99)
	s.mu.Lock()
	sum.Arrivals, sum.Orders = s.arrivals, s.orders
	for op, c := range s.counts {
		sum.Ops[op] = *c
		sum.Errors += c.Errors
	}
	s.mu.Unlock()
	t := s.tracker
	t.mu.Lock()
	sum.Confirmed, sum.Rejected = t.outcomes["CONFIRMED"], t.outcomes["REJECTED"]
	sum.Cancelled, sum.Stuck = t.outcomes["CANCELLED"], t.outcomes["STUCK"]
	sum.SagaP50, sum.SagaP99 = Percentile(t.saga, 50), Percentile(t.saga, 99)
	sum.Polls, sum.PollErrors = t.polls, t.pollErrors
	t.mu.Unlock()
	if secs := period.Seconds(); secs > 0 {
		sum.RPS = float64(sum.Requests) / secs
		sum.ConfirmedPerS = float64(sum.Confirmed) / secs
	}
	sum.Faults = len(r.report.Faults())
	return sum
}
