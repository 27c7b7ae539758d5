package chaos

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/eventshop/eventshop/tools/invariants"
	"github.com/eventshop/eventshop/tools/load"
)

// Config says how a chaos run goes. Zero values mean the defaults beside
// each field.
type Config struct {
	Schedule Schedule
	// Rate is the load's arrivals per second; 0 means 30.
	Rate float64
	// Mix weighs the load's operations; nil means mostly orders.
	Mix load.Mix
	// Cards weighs the cards orders pay with; nil means 95 % tok_visa and
	// 5 % tok_decline. tok_timeout is left out by default: each of its
	// authorisations is a provider timeout that the payment breaker counts,
	// so a few in a row open the breaker for every order, and the run's
	// recovery figures would measure the load's cards, not the faults.
	Cards load.Cards
	// Baseline is a fault-free load run before the faults, whose saga p99
	// is reported beside the one outside fault windows; 0 skips it.
	Baseline time.Duration
	// SettleWithin bounds the wait for the platform to settle after the
	// load; 0 means 5 minutes.
	SettleWithin time.Duration
	// OutDir receives oplog.jsonl, report.html and summary.txt. Required.
	OutDir string
	// Live receives the load's live view; nil shows none.
	Live io.Writer
	// Logger receives the run's progress; nil discards it.
	Logger *slog.Logger
}

// Result is what a run found.
type Result struct {
	Load     *load.Report
	Windows  []Window
	Verdict  Verdict
	Recovery map[string]time.Duration // the longest per fault kind
	// SagaP99Outside is the saga p99 outside fault windows; SagaP99Baseline
	// the same from the fault-free run (0 without one).
	SagaP99Outside, SagaP99Baseline time.Duration
	Copies, Poison                  int
	// Reasons counts cancelled and rejected orders by reason.
	Reasons map[string]int

	stock map[string]int64 // each product's total stock when the load began
	// steadyPerS is the baseline run's confirmed orders per second, the
	// rate a fault's recovery is measured against (0 without a baseline).
	steadyPerS float64
}

// Run runs cfg's schedule on p under load and checks the outcome.
func Run(ctx context.Context, p *Platform, cfg Config) (Result, error) {
	cfg = withDefaults(cfg)
	var res Result
	tokens, err := load.NewSignedTokens(p.Stack.JWTSecret, 6*time.Hour)
	if err != nil {
		return res, err
	}
	if cfg.Baseline > 0 {
		cfg.Logger.Info("fault-free baseline run", "duration", cfg.Baseline)
		rep, err := runLoad(ctx, p, cfg, tokens, cfg.Baseline, nil)
		if err != nil {
			return res, fmt.Errorf("baseline: %w", err)
		}
		res.SagaP99Baseline, res.steadyPerS = rep.Summary.SagaP99, rep.Summary.ConfirmedPerS
	}
	logFile, err := os.Create(filepath.Join(cfg.OutDir, "oplog.jsonl"))
	if err != nil {
		return res, fmt.Errorf("operation log: %w", err)
	}
	defer logFile.Close()
	ev := NewEvents(p.JS)
	res.Load, res.Windows, err = runFaults(ctx, p, cfg, tokens, load.NewOpLog(logFile), ev, &res.stock)
	if err != nil {
		return res, err
	}
	return res, finish(ctx, p, cfg, ev, &res)
}

func withDefaults(cfg Config) Config {
	if cfg.Rate == 0 {
		cfg.Rate = 30
	}
	if cfg.Mix == nil {
		cfg.Mix = load.Mix{load.OpPlace: 70, load.OpBrowse: 10, load.OpRead: 10, load.OpList: 5, load.OpCancel: 3, load.OpFollow: 2}
	}
	if cfg.Cards == nil {
		cfg.Cards = load.Cards{load.CardVisa: 95, load.CardDecline: 5}
	}
	if cfg.SettleWithin == 0 {
		cfg.SettleWithin = 5 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

func loadConfig(p *Platform, cfg Config, tokens load.Tokens, d time.Duration, log *load.OpLog) load.Config {
	return load.Config{
		Gateway: p.Stack.URL("gateway"), Pacer: load.Constant(cfg.Rate), Duration: d,
		Mix: cfg.Mix, Cards: cfg.Cards, Tokens: tokens, SettleTimeout: cfg.SettleWithin, Log: log,
		Live: cfg.Live, LiveEvery: 5 * time.Second, Logger: cfg.Logger,
	}
}

// runLoad runs a fault-free load for d.
func runLoad(ctx context.Context, p *Platform, cfg Config, tokens load.Tokens, d time.Duration, log *load.OpLog) (*load.Report, error) {
	r, err := load.Start(ctx, loadConfig(p, cfg, tokens, d, log))
	if err != nil {
		return nil, err
	}
	return r.Wait()
}

// runFaults runs the schedule under load and returns the load's report
// and the fault windows.
func runFaults(ctx context.Context, p *Platform, cfg Config, tokens load.Tokens, log *load.OpLog, ev *Events, stock *map[string]int64) (*load.Report, []Window, error) {
	// The load runs until the schedule is over; the duration only bounds it.
	r, err := load.Start(ctx, loadConfig(p, cfg, tokens, 2*cfg.Schedule.Estimate()+time.Minute, log))
	if err != nil {
		return nil, nil, err
	}
	// After Start's restock: orders move stock between available, reserved
	// and sold, but only a restock changes the total.
	if *stock, err = invariants.Snapshot(ctx, p.Sources.Inventory); err != nil {
		r.Stop()
		_, _ = r.Wait()
		return nil, nil, fmt.Errorf("stock baseline: %w", err)
	}
	windows, ferr := inject(ctx, p, cfg, r, ev)
	r.Stop()
	rep, err := r.Wait()
	if ferr != nil {
		return rep, windows, ferr
	}
	return rep, windows, err
}

// inject runs the schedule, recording each fault on the load's report.
func inject(ctx context.Context, p *Platform, cfg Config, r *load.Run, ev *Events) ([]Window, error) {
	s := cfg.Schedule
	var windows []Window
	wait := func(d time.Duration) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d): // the schedule's pacing
			return nil
		}
	}
	if err := wait(s.Lead); err != nil {
		return windows, err
	}
	for i, f := range s.Faults {
		cfg.Logger.Info("fault", "n", i+1, "of", len(s.Faults), "kind", f.Kind, "target", f.Target, "hold", f.Hold)
		w, err := p.Inject(ctx, f, ev)
		windows = append(windows, w)
		r.AddFault(load.Fault{Kind: f.Kind, Target: f.Target, Start: w.Start, End: w.End, Detail: w.Detail})
		if err != nil {
			return windows, err
		}
		if err := wait(s.Gap); err != nil {
			return windows, err
		}
	}
	return windows, wait(max(s.Tail-s.Gap, 0))
}

// finish checks the settled platform and computes the figures.
func finish(ctx context.Context, p *Platform, cfg Config, ev *Events, res *Result) error {
	entries, err := readLog(filepath.Join(cfg.OutDir, "oplog.jsonl"))
	if err != nil {
		return err
	}
	var accepted []string
	for _, e := range entries {
		if e.Op == load.OpPlace && e.Result == "ok" && e.OrderID != "" {
			accepted = append(accepted, e.OrderID)
		}
	}
	cfg.Logger.Info("faults over; waiting for the platform to settle", "within", cfg.SettleWithin)
	res.Verdict, err = Check(ctx, p, ev, accepted, res.stock, cfg.SettleWithin)
	if err != nil {
		return err
	}
	res.Load.SetInvariants(res.Verdict.Report)
	res.Recovery = map[string]time.Duration{}
	for i, rec := range RecoveryTimes(res.Load.Timeline, res.Windows, res.steadyPerS) {
		kind := res.Windows[i].Kind
		res.Recovery[kind] = max(res.Recovery[kind], rec)
	}
	res.SagaP99Outside = SagaP99Outside(entries, res.Windows)
	res.Copies, res.Poison = ev.Injected()
	if res.Reasons, err = Reasons(ctx, p); err != nil {
		return err
	}
	return writeReport(cfg.OutDir, res)
}

func readLog(path string) ([]load.Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("operation log: %w", err)
	}
	defer f.Close()
	return load.ReadOpLog(f)
}
