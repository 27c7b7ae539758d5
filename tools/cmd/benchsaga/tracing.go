package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"
)

// tracingRounds is the outcome of the tracing comparison: confirmed orders
// per second of each round, tracing off and on.
type tracingRounds struct {
	off, on []float64
}

// measureTracing measures the rate of confirmed orders under concurrent
// load in rounds of cfg.tracingOrders orders, tracing off and on in turn,
// in the order off, on, on, off, off, on, … so that a drift of the
// machine during the run weighs on both alike. Every service is restarted
// before each round (stack.SetTracing), exporting every span
// (OTEL_TRACES_SAMPLER=always_on) to Jaeger or nothing, and each round
// starts once the previous one's sagas have finished and tracingWarmUp
// orders have warmed the fresh processes up.
func (b *bench) measureTracing(ctx context.Context, cfg config) (tracingRounds, error) {
	var r tracingRounds
	for i := range 2 * cfg.tracingRounds {
		on := i%4 == 1 || i%4 == 2
		if err := b.quiet(ctx, 5*time.Minute); err != nil {
			return r, err
		}
		if err := b.stack.SetTracing(ctx, on); err != nil {
			return r, err
		}
		if err := b.warmUp(ctx, cfg); err != nil {
			return r, err
		}
		fmt.Fprintf(os.Stderr, "tracing %s: %d orders from %d concurrent clients ...\n", onOff(on), cfg.tracingOrders, cfg.concurrency)
		rate, err := b.concurrent(ctx, cfg.concurrency, cfg.tracingOrders)
		if err != nil {
			return r, err
		}
		if on {
			r.on = append(r.on, rate)
		} else {
			r.off = append(r.off, rate)
		}
	}
	return r, nil
}

// tracingWarmUp is how many orders each tracing round places, unmeasured,
// once the services have restarted: fresh processes fill their connection
// pools, prepared statements and caches first.
const tracingWarmUp = 200

func (b *bench) warmUp(ctx context.Context, cfg config) error {
	if _, err := b.concurrent(ctx, cfg.concurrency, tracingWarmUp); err != nil {
		return fmt.Errorf("warm up: %w", err)
	}
	return b.quiet(ctx, 5*time.Minute)
}

// quiet waits, at most timeout, until no saga consumer has a message left
// to handle.
func (b *bench) quiet(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		n, err := backlog(ctx, b.nc)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d messages still unhandled after %s", n, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond): // polling the consumers' backlog
		}
	}
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// print writes the comparison's figures: the mean rate of each side, each
// round's rate (their spread is the run's noise), and
// tracing_overhead_ratio, the drop in throughput with tracing on, as a
// fraction of the rate without (0.05 is 5 % fewer orders per second).
func (r tracingRounds) print() {
	off, on := mean(r.off), mean(r.on)
	fmt.Printf("tracing_off_orders_per_s=%.0f\n", off)
	fmt.Printf("tracing_on_orders_per_s=%.0f\n", on)
	fmt.Printf("tracing_off_rounds=%s\n", joinRates(r.off))
	fmt.Printf("tracing_on_rounds=%s\n", joinRates(r.on))
	fmt.Printf("tracing_overhead_ratio=%.3f\n", 1-on/off)
}

func mean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

func joinRates(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(parts, ",")
}
