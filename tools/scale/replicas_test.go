package scale_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/testkit"
	"github.com/eventshop/eventshop/tools/scale"
	"github.com/eventshop/eventshop/tools/stack"
)

// loadRate is the orders per second the scale-out tests place: enough that
// every consumer's replicas each take batches, little enough for two
// shared cores.
const loadRate = 15

// busyConsumer is how many messages a consumer must have acked in all
// before the test expects every replica to have taken some: a consumer of
// rare events (rejections, with ample stock) may reach one replica only.
const busyConsumer = 20

// TestTwoReplicasShareTheWork places orders through the gateway on two
// replicas of each service: every order ends, nothing is lost, duplicated
// or stuck, and both replicas of every consumer acked messages.
func TestTwoReplicasShareTheWork(t *testing.T) {
	p := start(t, 2, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	load := scale.StartLoad(ctx, p.Gateway(), p.SKUs, loadRate)
	testkit.Eventually(t, 3*time.Minute, func() bool { return load.Accepted() >= 300 }, "300 orders accepted")
	ids, failed := load.Stop()
	t.Logf("%d orders accepted, %d placements failed", len(ids), failed)
	settle(ctx, t, p, ids)
	for _, svc := range stack.Replicated {
		checkSpread(ctx, t, p, svc)
	}
}

// checkSpread fails the test unless every replica of svc acked messages of
// each of its busy consumers.
func checkSpread(ctx context.Context, t *testing.T, p *scale.Platform, svc string) {
	t.Helper()
	byReplica, total := map[string]map[string]float64{}, map[string]float64{}
	for _, replica := range p.Stack.Replicas(svc) {
		acked, err := scale.Acked(ctx, p.Stack.URL(replica))
		if err != nil {
			t.Fatal(err)
		}
		byReplica[replica] = acked
		for c, n := range acked {
			total[c] += n
		}
	}
	if len(total) == 0 {
		t.Errorf("no consumer of %s acked anything", svc)
	}
	for c, n := range total {
		for replica, acked := range byReplica {
			t.Logf("%s acked %v of %v messages of consumer %s", replica, acked[c], n, c)
			if n >= busyConsumer && acked[c] == 0 {
				t.Errorf("replica %s acked none of consumer %s's %v messages", replica, c, n)
			}
		}
	}
}

// TestRelayLeaderKilledUnderLoad kills (SIGKILL) the replica leading the
// outbox relay of each PostgreSQL service in turn, under load: another
// replica takes the lead and relays the rows committed after the kill
// within a generous bound, and nothing is lost or published twice to
// effect.
func TestRelayLeaderKilledUnderLoad(t *testing.T) {
	p := start(t, 2, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Minute)
	defer cancel()
	load := scale.StartLoad(ctx, p.Gateway(), p.SKUs, loadRate)
	testkit.Eventually(t, 3*time.Minute, func() bool { return load.Accepted() >= 100 }, "100 orders accepted")
	for _, svc := range stack.DatabaseServices {
		pool := map[string]*pgxpool.Pool{"order": p.Sources.Order, "inventory": p.Sources.Inventory, "payment": p.Sources.Payment}[svc]
		var was scale.Holder
		testkit.EventuallyErr(t, time.Minute, func() error {
			var err error
			if was, err = scale.LockHolder(ctx, pool, scale.RelayLockID); err == nil && was.PID == 0 {
				err = fmt.Errorf("no %s relay leads", svc)
			}
			return err
		})
		killed := time.Now()
		if err := p.Stack.Procs[was.Name].Kill(); err != nil {
			t.Fatal(err)
		}
		// A bound for correctness, not a measure: the takeover figure is
		// make bench-takeover's.
		testkit.EventuallyErr(t, 30*time.Second+time.Minute, func() error {
			return relayedSince(ctx, pool, was, killed)
		})
		t.Logf("%s: relay leader %s killed; another relays after %s", svc, was.Name, time.Since(killed).Round(time.Millisecond))
		if err := p.Stack.WaitReady(ctx, was.Name); err != nil {
			t.Fatal(err)
		}
		before := load.Accepted()
		testkit.Eventually(t, 3*time.Minute, func() bool { return load.Accepted() >= before+50 }, "50 more orders accepted")
	}
	ids, failed := load.Stop()
	t.Logf("%d orders accepted, %d placements failed", len(ids), failed)
	settle(ctx, t, p, ids)
}

// relayedSince is nil once a session other than the killed leader's (the
// other replica, or the killed one restarted, whichever wins the lock)
// leads the relay of pool's database and a row committed after killed was
// relayed.
func relayedSince(ctx context.Context, pool *pgxpool.Pool, was scale.Holder, killed time.Time) error {
	now, err := scale.LockHolder(ctx, pool, scale.RelayLockID)
	if err != nil {
		return err
	}
	if now.PID == 0 || now.PID == was.PID {
		return fmt.Errorf("relay led by %q (pid %d), want another session than the killed %s's (pid %d)", now.Name, now.PID, was.Name, was.PID)
	}
	var sent bool
	err = pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE created_at > $1 AND sent_at IS NOT NULL)`, killed).Scan(&sent)
	if err == nil && !sent {
		err = fmt.Errorf("no row committed since the kill was relayed")
	}
	return err
}
