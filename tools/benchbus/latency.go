package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outbox"
)

// relayLatency commits single-event transactions at cfg.rate per second for
// cfg.latencyFor and measures each event from the return of its commit to
// the relay's receipt of its JetStream ack. The writer hands its events
// over through h, as the services' hot paths do, or, with h nil, uses the
// plain outbox.Add and its NOTIFY. The first warmUp events (prepared
// statements, first publishes) are sent but not measured.
func relayLatency(ctx context.Context, e *env, cfg config, h *outbox.Handoff) (p50, p99 time.Duration, err error) {
	n := int(cfg.latencyFor.Seconds() * float64(cfg.rate))
	evs, err := rejectedEvents(warmUp+n, cfg.payload)
	if err != nil {
		return 0, 0, err
	}
	clock := &ackClock{pub: e.bus, acked: make(map[string]time.Time, n)}
	r := outbox.NewRelay(e.pool, clock, e.log, outbox.Options{BatchSize: cfg.batch, Handoff: h})
	stop := runRelay(ctx, r)
	defer stop()
	if err := waitLeader(r); err != nil {
		return 0, 0, err
	}
	committed := make([]time.Time, len(evs))
	tick := time.NewTicker(time.Second / time.Duration(cfg.rate))
	defer tick.Stop()
	for i, ev := range evs {
		<-tick.C
		if err := commitOne(ctx, e, h, ev); err != nil {
			return 0, 0, err
		}
		committed[i] = time.Now()
	}
	lat, err := latencies(clock, evs[warmUp:], committed[warmUp:])
	if err != nil {
		return 0, 0, err
	}
	how := "outbox.Add with NOTIFY"
	if h != nil {
		how = "outbox.Handoff"
	}
	fmt.Printf("# relay latency: %d single-event transactions at %d/s (after %d unmeasured), %s, commit returned -> relay got the JetStream ack\n", n, cfg.rate, warmUp, how)
	return lat[len(lat)/2], lat[len(lat)*99/100], nil
}

// commitOne commits ev in a transaction of its own: with outbox.Add when h
// is nil, else through the hand-off, as the services' hot paths do.
func commitOne(ctx context.Context, e *env, h *outbox.Handoff, ev event.Event) error {
	if h == nil {
		if err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error { return outbox.Add(ctx, tx, ev) }); err != nil {
			return fmt.Errorf("add: %w", err)
		}
		return nil
	}
	b := &pgx.Batch{}
	done := h.QueueCommit(b, []event.Event{ev})
	err := e.pool.SendBatch(ctx, b).Close() // one implicit transaction
	done(err == nil)
	if err != nil {
		return fmt.Errorf("add: %w", err)
	}
	return nil
}

// warmUp is how many events the latency phase sends before measuring.
const warmUp = 50

// latencies waits for every ack and returns the sorted commit-to-ack times.
func latencies(clock *ackClock, evs []event.Event, committed []time.Time) ([]time.Duration, error) {
	deadline := time.Now().Add(phaseTimeout)
	for {
		clock.mu.Lock()
		done := len(clock.acked) >= len(evs)
		clock.mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("acks missing after %s", phaseTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	lat := make([]time.Duration, len(evs))
	for i, ev := range evs {
		lat[i] = max(0, clock.acked[ev.ID].Sub(committed[i]))
	}
	slices.Sort(lat)
	return lat, nil
}

// waitLeader waits until r holds the leader lock, so start-up is not measured.
func waitLeader(r *outbox.Relay) error {
	deadline := time.Now().Add(phaseTimeout)
	for !r.Leader() {
		if time.Now().After(deadline) {
			return fmt.Errorf("relay not leader after %s", phaseTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}
