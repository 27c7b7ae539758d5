package load

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Stats is a live snapshot of a run, for a view or a caller's decisions.
type Stats struct {
	Elapsed   time.Duration
	Remaining time.Duration // until the last arrival; 0 while settling
	Arrivals  int
	Requests  int
	RPS       float64 // HTTP answers per second over the last full second
	Errors    int
	HTTPP50   time.Duration // over the last 5 s
	HTTPP99   time.Duration
	InFlight  int
	Orders    int
	Finished  int // sagas seen final
	Confirmed int
	Settling  bool // arrivals are over; placed orders are being followed
}

// Run is a load run under way: Start begins it, Wait ends it.
type Run struct {
	cfg    Config
	began  time.Time
	report *Report
	cancel context.CancelFunc
	stop   chan struct{}
	done   chan struct{}
	err    error
	state  *state
}

// ErrConfig wraps every invalid Config.
var ErrConfig = errors.New("invalid load config")

// Start checks cfg, reads the catalogue, signs the customers' tokens,
// restocks what is short, and starts sending operations; it returns once
// the first arrival is due. ctx bounds the whole run, settling included.
func Start(ctx context.Context, cfg Config) (*Run, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	r := &Run{cfg: cfg, stop: make(chan struct{}), done: make(chan struct{})}
	skus, customers, err := r.prepare(ctx)
	if err != nil {
		return nil, err
	}
	ctx, r.cancel = context.WithCancel(ctx)
	r.began = time.Now()
	r.report = &Report{Timeline: NewTimeline(r.began, time.Second), log: cfg.Log}
	r.state = newState(r, skus, customers)
	go r.run(ctx)
	return r, nil
}

// Began is when the first arrival was due; fault windows are usually
// scheduled relative to it.
func (r *Run) Began() time.Time { return r.began }

// Report is the run's report, filling as the run goes; its Summary is
// final once Wait returns.
func (r *Run) Report() *Report { return r.report }

// AddFault records a fault window on the report and in the operation log.
func (r *Run) AddFault(f Fault) { r.report.AddFault(f) }

// Stats returns a snapshot of the run so far.
func (r *Run) Stats() Stats { return r.state.stats() }

// Stop ends the arrivals early; the orders already placed are still
// followed to their end. Safe to call more than once.
func (r *Run) Stop() {
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
}

// Wait waits for the arrivals to end, for the operations under way to
// answer, and for every placed order to be final or SettleTimeout to pass,
// and returns the report.
func (r *Run) Wait() (*Report, error) {
	<-r.done
	r.cancel()
	if err := r.cfg.Log.Flush(); err != nil && r.err == nil {
		r.err = err
	}
	return r.report, r.err
}

func withDefaults(cfg Config) (Config, error) {
	switch {
	case cfg.Gateway == "":
		return cfg, fmt.Errorf("%w: no gateway URL", ErrConfig)
	case cfg.Pacer == nil:
		return cfg, fmt.Errorf("%w: no pacer", ErrConfig)
	case cfg.Duration <= 0:
		return cfg, fmt.Errorf("%w: duration %s", ErrConfig, cfg.Duration)
	case cfg.Tokens == nil:
		return cfg, fmt.Errorf("%w: no tokens", ErrConfig)
	}
	return fillDefaults(cfg), nil
}
