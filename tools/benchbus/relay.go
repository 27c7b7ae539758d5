package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outbox"
)

// insertTx is how many rows each transaction adds before the drain phase.
const insertTx = 1000

// relayDrain commits the events to the outbox first, in transactions of
// insertTx rows, then times the relay from its start until the stream holds
// every one of them.
func relayDrain(ctx context.Context, e *env, cfg config) (float64, error) {
	evs, err := rejectedEvents(cfg.events, cfg.payload)
	if err != nil {
		return 0, err
	}
	for chunk := range slices.Chunk(evs, insertTx) {
		err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error { return outbox.Add(ctx, tx, chunk...) })
		if err != nil {
			return 0, fmt.Errorf("fill outbox: %w", err)
		}
	}
	before, err := streamMsgs(ctx, e)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	stop := runRelay(ctx, outbox.NewRelay(e.pool, e.bus, e.log, outbox.Options{BatchSize: cfg.batch}))
	defer stop()
	if err := waitStream(ctx, e, before+uint64(len(evs))); err != nil {
		return 0, err
	}
	return rate(len(evs), time.Since(start), fmt.Sprintf("outbox relay: drain of %d committed rows, batch %d, from relay start until all acked in the stream", len(evs), cfg.batch)), nil
}

// waitStream polls until the ORDER stream holds want messages.
func waitStream(ctx context.Context, e *env, want uint64) error {
	deadline := time.Now().Add(phaseTimeout)
	for time.Now().Before(deadline) {
		n, err := streamMsgs(ctx, e)
		if err != nil {
			return err
		}
		if n >= want {
			return nil
		}
		time.Sleep(2 * time.Millisecond)
	}
	return fmt.Errorf("stream did not reach %d messages in %s", want, phaseTimeout)
}

// runRelay runs r in the background; stop cancels it and waits.
func runRelay(ctx context.Context, r interface{ Run(context.Context) error }) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = r.Run(ctx) })
	return func() { cancel(); wg.Wait() }
}

// ackClock is a publisher that records when each event's ack came back.
type ackClock struct {
	pub   outbox.Publisher
	mu    sync.Mutex
	acked map[string]time.Time
}

func (c *ackClock) Publish(ctx context.Context, evs ...event.Event) error {
	if err := c.pub.Publish(ctx, evs...); err != nil {
		return err
	}
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ev := range evs {
		c.acked[ev.ID] = now
	}
	return nil
}
