// Command chaos runs the fault-injection suite: the whole platform, every
// part a process of its own and every link behind a toxiproxy proxy, under
// a constant load while a schedule of faults breaks it; then it checks that
// nothing was lost, duplicated or left stuck, and prints name=value lines.
//
//	go run ./tools/cmd/chaos                 # the full schedule (make chaos)
//	go run ./tools/cmd/chaos -short          # three faults, about two minutes
//
// It writes oplog.jsonl (every client operation and every fault, with its
// window), report.html, summary.txt and platform.log into -out. It exits 1
// when the check fails.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/eventshop/eventshop/tools/chaos"
	"github.com/eventshop/eventshop/tools/stack"
)

type options struct {
	short    bool
	rate     float64
	baseline time.Duration
	settle   time.Duration
	out      string
	faults   string
	gap      time.Duration
}

func main() {
	var o options
	flag.BoolVar(&o.short, "short", false, "run the short schedule (three faults) instead of the full one")
	flag.Float64Var(&o.rate, "rate", 20, "load arrivals per second (70 % of them orders)")
	flag.DurationVar(&o.baseline, "baseline", time.Minute, "a fault-free load run first, for the saga p99 to compare; 0 skips it")
	flag.DurationVar(&o.settle, "settle", 10*time.Minute, "bound on the wait for the platform to settle after the faults")
	flag.StringVar(&o.faults, "faults", "", "an ad-hoc schedule instead, kind:target[:hold],... (e.g. pg_immediate:postgres:40s,kill:notification)")
	flag.DurationVar(&o.gap, "gap", 0, "with -faults: the pause between one fault's end and the next one's start (0: the short schedule's)")
	flag.StringVar(&o.out, "out", "", "directory for the run's files (default: a new one under chaos-runs/)")
	flag.Parse()
	stack.OneProcEach()
	// toxiproxy's toxics trace to zerolog's global logger: keep the
	// terminal for the live view.
	zerolog.SetGlobalLevel(zerolog.WarnLevel)
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("service", "chaos")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, o, log)
	if err != nil {
		log.Error("chaos run failed", "err", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, log *slog.Logger) (bool, error) {
	root, err := stack.Root()
	if err != nil {
		return false, err
	}
	if _, err := schedule(o); err != nil { // a bad -faults fails before the build
		return false, err
	}
	if o.out == "" {
		o.out = filepath.Join(root, "chaos-runs", time.Now().UTC().Format("20060102-150405"))
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return false, fmt.Errorf("out dir: %w", err)
	}
	bin := filepath.Join(o.out, "bin")
	log.Info("building the platform", "bin", bin)
	if err := stack.Build(ctx, root, bin); err != nil {
		return false, err
	}
	platformLog, err := os.Create(filepath.Join(o.out, "platform.log"))
	if err != nil {
		return false, fmt.Errorf("platform log: %w", err)
	}
	defer platformLog.Close()
	log.Info("starting the platform", "log", platformLog.Name())
	p, err := chaos.StartPlatform(ctx, bin, platformLog)
	if err != nil {
		return false, err
	}
	defer p.Stop()
	sched, err := schedule(o)
	if err != nil {
		return false, err
	}
	log.Info("schedule", "faults", len(sched.Faults), "kinds", len(sched.Kinds()), "about", sched.Estimate().Round(time.Second))
	res, err := chaos.Run(ctx, p, chaos.Config{
		Schedule: sched, Rate: o.rate, Baseline: o.baseline, SettleWithin: o.settle,
		OutDir: o.out, Live: os.Stderr, Logger: log,
	})
	if err != nil {
		return false, err
	}
	if !res.Verdict.OK() {
		fmt.Fprintln(os.Stderr, res.Verdict.Report.String())
		for _, d := range res.Verdict.DeadLetters {
			fmt.Fprintln(os.Stderr, "  unexpected dead letter:", d)
		}
		for _, id := range res.Verdict.Missing {
			fmt.Fprintln(os.Stderr, "  accepted order missing:", id)
		}
	}
	if err := res.WriteLines(os.Stdout); err != nil {
		return false, err
	}
	fmt.Printf("oplog=%s\nreport=%s\n", filepath.Join(o.out, "oplog.jsonl"), filepath.Join(o.out, "report.html"))
	return res.Verdict.OK(), nil
}

func schedule(o options) (chaos.Schedule, error) {
	switch {
	case o.faults != "":
		faults, err := chaos.ParseFaults(o.faults)
		if err != nil {
			return chaos.Schedule{}, err
		}
		s := chaos.Short()
		s.Faults = faults
		if o.gap > 0 {
			s.Gap = o.gap
		}
		return s, nil
	case o.short:
		return chaos.Short(), nil
	}
	return chaos.Full(), nil
}
