package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/eventshop/eventshop/tools/scale"
)

// takeoverMongo kills the notification replica that leads its MongoDB
// outbox relay kills times under load and prints the percentiles of the
// time until another process held the lease (relay_lease_takeover) and
// until the event of a notification delivered after the kill was relayed
// (mongo_relay_takeover), then what the run lost or repeated.
func (b bench) takeoverMongo(ctx context.Context, kills int, rate float64) error {
	p, err := b.start(ctx, "takeover-mongo", "", 2, 1)
	if err != nil {
		return err
	}
	defer p.Close()
	load := scale.StartLoad(ctx, p.Gateway(), p.SKUs, rate)
	var leased, relayed []time.Duration
	for i := range kills {
		l, r, err := killNotificationLeader(ctx, p)
		if err != nil {
			load.Stop()
			return fmt.Errorf("kill %d: %w", i+1, err)
		}
		fmt.Fprintf(os.Stderr, "kill %d: lease taken after %s, relaying after %s\n", i+1, l, r)
		leased, relayed = append(leased, l), append(relayed, r)
	}
	ids, failed := load.Stop()
	if err := p.AwaitNotificationsSent(ctx, 3*time.Minute); err != nil {
		return err
	}
	line("mongo_relay_kills", kills)
	printPercentiles("mongo_relay_lease_takeover", leased)
	printPercentiles("mongo_relay_takeover", relayed)
	return settleAndPrint(ctx, p, ids, failed)
}

// killNotificationLeader kills the notification replica that leads and
// returns how long until another process held the lease and until a
// notification delivered after the kill was relayed; it waits until the
// killed replica is back.
func killNotificationLeader(ctx context.Context, p *scale.Platform) (leased, relayed time.Duration, err error) {
	name, err := poll(ctx, func() (string, bool, error) {
		n, err := p.NotificationLeader(ctx)
		return n, n != "", err
	})
	if err != nil {
		return 0, 0, err
	}
	was, err := p.LeaseHolder(ctx)
	if err != nil {
		return 0, 0, err
	}
	killed := time.Now()
	if err := p.Stack.Procs[name].Kill(); err != nil {
		return 0, 0, err
	}
	if _, err := poll(ctx, func() (string, bool, error) {
		h, err := p.LeaseHolder(ctx)
		return h, h != "" && h != was, err
	}); err != nil {
		return 0, 0, err
	}
	leased = time.Since(killed)
	if _, err := poll(ctx, func() (bool, bool, error) {
		ok, err := p.NotificationRelayedSince(ctx, killed)
		return ok, ok, err
	}); err != nil {
		return 0, 0, err
	}
	relayed = time.Since(killed)
	return leased, relayed, p.Stack.WaitReady(ctx, name)
}
