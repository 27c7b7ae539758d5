package load

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/eventshop/eventshop/tools/invariants"
)

// Fault is a window during which a caller broke something on purpose: it is
// shaded on the plots and written to the operation log.
type Fault struct {
	Kind   string // e.g. "kill", "latency", "blackhole"
	Target string // e.g. "inventory", "order->postgres"
	Start  time.Time
	End    time.Time
	Detail string
}

// OpCount counts one kind of operation.
type OpCount struct {
	N       int // operations that left
	Errors  int // of them, those that failed
	Skipped int // arrivals not sent because MaxInFlight were under way
}

// Summary is a run's figures, as printed in its name=value lines.
type Summary struct {
	Duration      time.Duration // from the first arrival to the last answer
	Arrivals      int           // operations the schedule sent, skipped ones included
	Requests      int           // HTTP requests of the operations
	RPS           float64       // Requests per second of Duration
	Errors        int           // failed operations: no answer, 5xx, 429 or an unexpected 4xx
	HTTPErrors    int           // HTTP requests with no answer, a 5xx or a 429
	HTTPP50       time.Duration
	HTTPP99       time.Duration
	Ops           map[Op]OpCount
	Orders        int // orders accepted (202)
	Confirmed     int
	Rejected      int
	Cancelled     int
	Stuck         int // accepted orders not final within SettleTimeout
	SagaP50       time.Duration
	SagaP99       time.Duration
	ConfirmedPerS float64 // confirmed orders per second of the arrival period
	Polls         int     // the saga trackers' reads of orders
	PollErrors    int     // of them, those that failed (the order is polled again)
	Faults        int     // fault windows recorded by the end of the run
}

// Report is what a run measured. Its Timeline and Summary are final once
// Run.Wait returns; faults may still be added after that.
type Report struct {
	Summary  Summary
	Timeline *Timeline

	mu         sync.Mutex
	faults     []Fault
	log        *OpLog
	invariants *invariants.Report
}

// AddFault records a fault window; when the report has an operation log,
// the fault is written to it too (Wait flushes the log: flush it again
// after adding faults later). Safe for concurrent use.
func (r *Report) AddFault(f Fault) {
	r.mu.Lock()
	r.faults = append(r.faults, f)
	r.mu.Unlock()
	r.log.Write(Entry{Op: OpFault, Start: f.Start, End: f.End, Result: f.Kind, Target: f.Target, Error: f.Detail})
}

// Faults returns the fault windows recorded so far.
func (r *Report) Faults() []Fault {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Fault(nil), r.faults...)
}

// SetInvariants attaches the invariant check made after the run, so its
// outcome is part of the name=value lines and the HTML page.
func (r *Report) SetInvariants(ir invariants.Report) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.invariants = &ir
}

// WriteSummary writes the figures as name=value lines, one per figure.
func (r *Report) WriteSummary(w io.Writer) error {
	for _, kv := range r.lines() {
		if _, err := fmt.Fprintf(w, "%s=%s\n", kv[0], kv[1]); err != nil {
			return fmt.Errorf("write summary: %w", err)
		}
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

// lines are the name=value pairs, in print order.
func (r *Report) lines() [][2]string {
	s := r.Summary
	out := [][2]string{
		{"duration_s", fmt.Sprintf("%.1f", s.Duration.Seconds())},
		{"arrivals", fmt.Sprint(s.Arrivals)},
		{"requests", fmt.Sprint(s.Requests)},
		{"rps", fmt.Sprintf("%.1f", s.RPS)},
		{"errors", fmt.Sprint(s.Errors)},
		{"http_errors", fmt.Sprint(s.HTTPErrors)},
		{"http_p50_ms", ms(s.HTTPP50)},
		{"http_p99_ms", ms(s.HTTPP99)},
	}
	for _, op := range MixOps {
		c := s.Ops[op]
		out = append(out, [2]string{"ops_" + string(op), fmt.Sprint(c.N)},
			[2]string{"ops_" + string(op) + "_errors", fmt.Sprint(c.Errors)})
	}
	var skipped int
	for _, c := range s.Ops {
		skipped += c.Skipped
	}
	out = append(out,
		[2]string{"skipped", fmt.Sprint(skipped)},
		[2]string{"orders", fmt.Sprint(s.Orders)},
		[2]string{"confirmed", fmt.Sprint(s.Confirmed)},
		[2]string{"rejected", fmt.Sprint(s.Rejected)},
		[2]string{"cancelled", fmt.Sprint(s.Cancelled)},
		[2]string{"stuck", fmt.Sprint(s.Stuck)},
		[2]string{"saga_p50_ms", ms(s.SagaP50)},
		[2]string{"saga_p99_ms", ms(s.SagaP99)},
		[2]string{"confirmed_per_s", fmt.Sprintf("%.1f", s.ConfirmedPerS)},
		[2]string{"polls", fmt.Sprint(s.Polls)},
		[2]string{"poll_errors", fmt.Sprint(s.PollErrors)},
	)
	r.mu.Lock()
	defer r.mu.Unlock()
	out = append(out, [2]string{"faults", fmt.Sprint(len(r.faults))})
	if r.invariants != nil {
		out = append(out, [2]string{"invariant_violations", fmt.Sprint(len(r.invariants.Violations))})
	}
	return out
}

// WriteHTML writes one self-contained HTML page: the figures and SVG plots
// of requests and confirmed orders per second, HTTP and saga latency
// percentiles, and outcomes over time, with fault windows shaded.
func (r *Report) WriteHTML(w io.Writer) error {
	return writeHTML(w, r)
}
