package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/tools/invariants"
	"github.com/eventshop/eventshop/tools/scale"
)

// pollEvery is how often a measurement looks: its resolution.
const pollEvery = 5 * time.Millisecond

// takeover kills the leader of the order outbox relay kills times under
// load and prints the percentiles of the time until another replica took
// the lock (relay_lock_takeover) and until a row committed after the kill
// was relayed (relay_takeover), then what the run lost or repeated.
func (b bench) takeover(ctx context.Context, kills int, rate float64) error {
	p, err := b.start(ctx, "takeover", "", 2, 1)
	if err != nil {
		return err
	}
	defer p.Close()
	// Straight to the order replicas, so that the figure is the relay's
	// takeover and not the time the gateway takes to stop sending to the
	// killed replica.
	load := scale.StartLoad(ctx, p.Direct("order"), p.SKUs, rate)
	var locked, relayed []time.Duration
	for i := range kills {
		l, r, err := killRelayLeader(ctx, p, p.Sources.Order)
		if err != nil {
			load.Stop()
			return fmt.Errorf("kill %d: %w", i+1, err)
		}
		fmt.Fprintf(os.Stderr, "kill %d: lock taken after %s, relaying after %s\n", i+1, l, r)
		locked, relayed = append(locked, l), append(relayed, r)
	}
	ids, failed := load.Stop()
	line("relay_kills", kills)
	printPercentiles("relay_lock_takeover", locked)
	printPercentiles("relay_takeover", relayed)
	return settleAndPrint(ctx, p, ids, failed)
}

// killRelayLeader kills the replica leading pool's relay and returns how
// long another one took to hold the lock and to relay a row committed
// after the kill; it waits until the killed replica is back.
func killRelayLeader(ctx context.Context, p *scale.Platform, pool *pgxpool.Pool) (locked, relayed time.Duration, err error) {
	was, err := poll(ctx, func() (scale.Holder, bool, error) {
		h, err := scale.LockHolder(ctx, pool, scale.RelayLockID)
		return h, h.PID != 0, err
	})
	if err != nil {
		return 0, 0, err
	}
	killed := time.Now()
	if err := p.Stack.Procs[was.Name].Kill(); err != nil {
		return 0, 0, err
	}
	if _, err := poll(ctx, func() (scale.Holder, bool, error) {
		h, err := scale.LockHolder(ctx, pool, scale.RelayLockID)
		return h, h.PID != 0 && h.PID != was.PID, err
	}); err != nil {
		return 0, 0, err
	}
	locked = time.Since(killed)
	if _, err := poll(ctx, func() (bool, bool, error) {
		var sent bool
		err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE created_at > $1 AND sent_at IS NOT NULL)`, killed).Scan(&sent)
		return sent, sent, err
	}); err != nil {
		return 0, 0, err
	}
	relayed = time.Since(killed)
	return locked, relayed, p.Stack.WaitReady(ctx, was.Name)
}

// poll calls try every pollEvery until it reports done, for at most two
// minutes.
func poll[T any](ctx context.Context, try func() (T, bool, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		v, done, err := try()
		if err == nil && done {
			return v, nil
		}
		select {
		case <-ctx.Done():
			var zero T
			return zero, fmt.Errorf("gave up waiting (last error %v): %w", err, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// printPercentiles prints the p50, p99 and max of ds in seconds.
func printPercentiles(name string, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	line(name+"_p50_seconds", seconds(at(0.50)))
	line(name+"_p99_seconds", seconds(at(0.99)))
	line(name+"_max_seconds", seconds(s[len(s)-1]))
}

// settleAndPrint waits for the accepted orders and the platform to settle
// and prints what was lost, duplicated or stuck.
func settleAndPrint(ctx context.Context, p *scale.Platform, ids []string, failed int) error {
	line("orders_accepted", len(ids))
	line("placements_failed", failed)
	if _, err := scale.AwaitFinal(ctx, p.Customer, ids, 5*time.Minute); err != nil {
		return err
	}
	report, err := p.Settle(ctx, 5*time.Minute)
	if err != nil {
		return err
	}
	line("lost", report.Count(invariants.Lost))
	line("duplicated", report.Count(invariants.Duplicated))
	line("stuck", report.Count(invariants.Stuck))
	return nil
}
