package main

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

// run runs the load and writes its files; ok is false when an order is
// stuck or an invariant is broken. The first interrupt ends the arrivals
// early and still follows the placed orders, checks and reports; the
// second (after unhook) ends the process.
func run(interrupted context.Context, unhook func(), cfg config, log *slog.Logger) (ok bool, err error) {
	ctx := context.WithoutCancel(interrupted)
	lc, err := loadConfig(cfg, log)
	if err != nil {
		return false, err
	}
	dir, err := outDir(cfg)
	if err != nil {
		return false, err
	}
	logFile, err := os.Create(filepath.Join(dir, "oplog.jsonl"))
	if err != nil {
		return false, fmt.Errorf("operation log: %w", err)
	}
	defer logFile.Close()
	lc.Log = load.NewOpLog(logFile)
	var src invariants.Sources
	if cfg.check {
		var closeStores func()
		src, closeStores, err = load.Stores{Postgres: cfg.postgres, Mongo: cfg.mongo}.Connect(ctx)
		if err != nil {
			return false, err
		}
		defer closeStores()
	}
	r, err := load.Start(ctx, lc)
	if err != nil {
		return false, err
	}
	go func() {
		<-interrupted.Done()
		unhook()
		r.Stop()
	}()
	var baseline map[string]int64
	if cfg.check {
		// Taken after Start's restock: orders move stock between available,
		// reserved and sold, but only a restock changes the total.
		if baseline, err = invariants.Snapshot(ctx, src.Inventory); err != nil {
			r.Stop()
			_, _ = r.Wait()
			return false, fmt.Errorf("stock baseline: %w", err)
		}
	}
	rep, err := r.Wait()
	if err != nil {
		return false, err
	}
	ok = rep.Summary.Stuck == 0
	if cfg.check {
		fmt.Fprintln(os.Stderr, "checking invariants ...")
		ir, err := load.CheckInvariants(ctx, src, invariants.Options{Baseline: baseline}, cfg.within)
		if err != nil {
			return false, err
		}
		rep.SetInvariants(ir)
		if !ir.OK() {
			fmt.Fprintln(os.Stderr, ir.String())
			ok = false
		}
	}
	return ok, writeFiles(dir, rep)
}

func loadConfig(cfg config, log *slog.Logger) (load.Config, error) {
	pacer, err := load.ParseSchedule(cfg.schedule, cfg.duration)
	if err != nil {
		return load.Config{}, err
	}
	mix, err := load.ParseMix(cfg.mix)
	if err != nil {
		return load.Config{}, err
	}
	cards, err := load.ParseCards(cfg.cards)
	if err != nil {
		return load.Config{}, err
	}
	secret, err := jwtSecret()
	if err != nil {
		return load.Config{}, err
	}
	// Tokens outlive the run, its settling and a margin.
	tokens, err := load.NewSignedTokens(secret, cfg.duration+cfg.settle+time.Hour)
	if err != nil {
		return load.Config{}, err
	}
	lc := load.Config{
		Gateway: cfg.gateway, Pacer: pacer, Duration: cfg.duration, Mix: mix, Cards: cards,
		Customers: cfg.customers, Tokens: tokens, Trackers: cfg.trackers, SettleTimeout: cfg.settle,
		Logger: log,
	}
	liveView(&lc)
	return lc, nil
}

// writeFiles writes the report beside the operation log and prints the
// name=value lines with the files' paths.
func writeFiles(dir string, rep *load.Report) error {
	html := filepath.Join(dir, "report.html")
	f, err := os.Create(html)
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	if err := rep.WriteHTML(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	sf, err := os.Create(filepath.Join(dir, "summary.txt"))
	if err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	defer sf.Close()
	if err := rep.WriteSummary(io.MultiWriter(os.Stdout, sf)); err != nil {
		return err
	}
	fmt.Printf("report=%s\noplog=%s\n", html, filepath.Join(dir, "oplog.jsonl"))
	return nil
}
