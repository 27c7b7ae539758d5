package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
)

// consumeTrials alternates the ack-only and the inbox consumers, each a new
// durable (and inbox consumer) per trial reading the first cfg.events
// order.rejected events, and returns the median rate of each.
func consumeTrials(ctx context.Context, e *env, cfg config) (ack, inboxed float64, err error) {
	if _, err := e.pool.Exec(ctx, `CREATE TABLE bench_effects (event_id text NOT NULL)`); err != nil {
		return 0, 0, fmt.Errorf("create effects: %w", err)
	}
	rates := map[string][]float64{}
	ack, err = median(cfg.trials, func(trial int) (float64, error) {
		a, err := consumeAckOnly(ctx, e, cfg, trial)
		if err != nil {
			return 0, err
		}
		in, err := consumeInbox(ctx, e, cfg, trial)
		rates["inbox"] = append(rates["inbox"], in)
		return a, err
	})
	if err != nil {
		return 0, 0, err
	}
	slices.Sort(rates["inbox"])
	return ack, rates["inbox"][len(rates["inbox"])/2], nil
}

// consumeAckOnly reads the raw-published events with a handler that does
// nothing, so only JetStream and the bus's acking are measured.
func consumeAckOnly(ctx context.Context, e *env, cfg config, trial int) (float64, error) {
	noop := func(_ context.Context, msgs []bus.Message) []error { return make([]error, len(msgs)) }
	return consume(ctx, e, cfg, fmt.Sprintf("bench-ack-%d", trial), noop, "ack-only consume: no-op handler")
}

// consumeInbox reads the same events through inbox.Handler with a trivial
// effect: one INSERT per event, all in one transaction per batch.
func consumeInbox(ctx context.Context, e *env, cfg config, trial int) (float64, error) {
	name := fmt.Sprintf("bench-inbox-%d", trial)
	h := inbox.Handler(e.pool, name, func(ctx context.Context, tx pgx.Tx, ev event.Event) error {
		_, err := tx.Exec(ctx, `INSERT INTO bench_effects (event_id) VALUES ($1)`, ev.ID)
		return err
	})
	return consume(ctx, e, cfg, name, h, "inbox consume: inbox.Handler + one INSERT per event")
}

// consume runs a fresh durable consumer over every order.rejected event and
// times it until the handler has succeeded for cfg.events of them.
func consume(ctx context.Context, e *env, cfg config, durable string, h bus.BatchHandler, what string) (float64, error) {
	var handled atomic.Int64
	done := make(chan struct{})
	var once sync.Once
	counting := func(ctx context.Context, msgs []bus.Message) []error {
		errs := h(ctx, msgs)
		for _, err := range errs {
			if err == nil && handled.Add(1) == int64(cfg.events) {
				once.Do(func() { close(done) })
			}
		}
		return errs
	}
	start := time.Now()
	c, err := e.bus.Consume(ctx, bus.ConsumerConfig{
		Service: "bench", Durable: durable, Subjects: []string{"order.rejected.>"},
		BatchSize: cfg.consumeSize, Concurrency: cfg.concurrency, AckWait: time.Minute,
	}, counting)
	if err != nil {
		return 0, fmt.Errorf("consume: %w", err)
	}
	defer c.Stop()
	select {
	case <-done:
	case <-time.After(phaseTimeout):
		return 0, fmt.Errorf("handled %d of %d events in %s", handled.Load(), cfg.events, phaseTimeout)
	}
	what = fmt.Sprintf("%s, batch %d, concurrency %d", what, cfg.consumeSize, cfg.concurrency)
	return rate(cfg.events, time.Since(start), what), nil
}
