// Command benchbus measures the event pipeline on this machine: raw
// JetStream publishing, the outbox relay, its commit-to-ack latency, and
// consuming with and without the inbox. It starts its own NATS (in process,
// file storage) and PostgreSQL (throwaway cluster, fsync on).
//
// Throughput phases run -trials times and report the median, since the
// machine may be busy with other work.
//
//	go run ./benchbus [-events 50000] [-batch 1000] [-trials 3] [-phases raw,consume,relay,latency]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/eventshop/eventshop/pkg/outbox"
)

// config is the benchmark's command line.
type config struct {
	events      int           // events per throughput phase
	payload     int           // bytes of JSON payload per event
	batch       int           // outbox relay batch size
	rate        int           // events per second in the latency phase
	latencyFor  time.Duration // length of the latency phase
	consumeSize int           // consumer batch size
	concurrency int           // consumer concurrency
	phases      string        // comma-separated phases to run
	trials      int           // runs of each throughput phase; the median counts
}

func main() {
	var cfg config
	flag.IntVar(&cfg.events, "events", 50000, "events per throughput phase")
	flag.IntVar(&cfg.payload, "payload", 256, "payload bytes per event")
	flag.IntVar(&cfg.batch, "batch", 2000, "outbox relay batch size (the relay's default)")
	flag.IntVar(&cfg.rate, "rate", 100, "events per second in the latency phase")
	flag.DurationVar(&cfg.latencyFor, "latency-for", 10*time.Second, "length of the latency phase")
	flag.IntVar(&cfg.consumeSize, "consume-batch", 256, "consumer batch size")
	flag.IntVar(&cfg.concurrency, "consume-concurrency", 8, "consumer concurrency")
	flag.StringVar(&cfg.phases, "phases", "raw,consume,relay,latency", "phases to run (consume needs raw)")
	flag.IntVar(&cfg.trials, "trials", 3, "runs of each throughput phase, of which the median is reported")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := run(ctx, log, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "benchbus:", err)
		os.Exit(1)
	}
}

// results are the figures printed at the end.
type results struct {
	rawPerS, relayPerS, inboxPerS, ackPerS float64
	p50, p99                               time.Duration // through outbox.Handoff, as the services write
	plainP50, plainP99                     time.Duration // through outbox.Add and its NOTIFY
}

func run(ctx context.Context, log *slog.Logger, cfg config) error {
	env, err := startEnv(ctx, log)
	if err != nil {
		return err
	}
	defer env.close()
	fmt.Printf("# benchbus %s, GOMAXPROCS=%d, %d events of %d-byte payload\n",
		time.Now().UTC().Format(time.RFC3339), runtime.GOMAXPROCS(0), cfg.events, cfg.payload)

	var r results
	phases := []struct {
		name, key string
		fn        func() error
	}{
		{"raw publish", "raw", func() (err error) {
			r.rawPerS, err = median(cfg.trials, func(int) (float64, error) { return rawPublish(ctx, env, cfg) })
			return err
		}},
		{"consume", "consume", func() (err error) { r.ackPerS, r.inboxPerS, err = consumeTrials(ctx, env, cfg); return err }},
		{"outbox relay", "relay", func() (err error) {
			r.relayPerS, err = median(cfg.trials, func(int) (float64, error) { return relayDrain(ctx, env, cfg) })
			return err
		}},
		{"relay latency", "latency", func() (err error) {
			if r.p50, r.p99, err = relayLatency(ctx, env, cfg, outbox.NewHandoff()); err != nil {
				return err
			}
			r.plainP50, r.plainP99, err = relayLatency(ctx, env, cfg, nil)
			return err
		}},
	}
	for _, p := range phases {
		if !slices.Contains(strings.Split(cfg.phases, ","), p.key) {
			continue
		}
		if err := p.fn(); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	r.print()
	return nil
}

// median runs fn trials times and returns the median rate: the machine may
// be shared, and the median is robust to a run that something else slowed.
func median(trials int, fn func(trial int) (float64, error)) (float64, error) {
	rates := make([]float64, 0, trials)
	for i := range max(trials, 1) {
		r, err := fn(i)
		if err != nil {
			return 0, err
		}
		rates = append(rates, r)
	}
	slices.Sort(rates)
	return rates[len(rates)/2], nil
}

func (r results) print() {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("raw_publish_per_s=%.0f\n", r.rawPerS)
	fmt.Printf("relay_per_s=%.0f\n", r.relayPerS)
	fmt.Printf("relay_vs_raw_ratio=%.2f\n", r.relayPerS/r.rawPerS)
	fmt.Printf("relay_latency_p50_ms=%.2f\n", ms(r.p50))
	fmt.Printf("relay_latency_p99_ms=%.2f\n", ms(r.p99))
	fmt.Printf("plain_relay_latency_p50_ms=%.2f\n", ms(r.plainP50))
	fmt.Printf("plain_relay_latency_p99_ms=%.2f\n", ms(r.plainP99))
	fmt.Printf("inbox_consume_per_s=%.0f\n", r.inboxPerS)
	fmt.Printf("ack_consume_per_s=%.0f\n", r.ackPerS)
	fmt.Printf("inbox_vs_ack_ratio=%.2f\n", r.inboxPerS/r.ackPerS)
}
