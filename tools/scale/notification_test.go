package scale_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/eventshop/eventshop/testkit"
	"github.com/eventshop/eventshop/tools/scale"
)

// TestNotificationRelayLeaderKilledUnderLoad runs two notification
// replicas under load: exactly one leads (relays the MongoDB outbox and
// sweeps). Killing it (SIGKILL) hands the lease to another process, which
// relays the events of notifications delivered after the kill within a
// generous bound, and nothing is lost or published twice to effect.
func TestNotificationRelayLeaderKilledUnderLoad(t *testing.T) {
	p := start(t, 2, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Minute)
	defer cancel()
	load := scale.StartLoad(ctx, p.Gateway(), p.SKUs, loadRate)
	testkit.Eventually(t, 3*time.Minute, func() bool { return load.Accepted() >= 100 }, "100 orders accepted")
	var leader, holder string
	testkit.EventuallyErr(t, time.Minute, func() error {
		leaders, err := p.NotificationLeaders(ctx)
		if err == nil && len(leaders) != 1 {
			err = fmt.Errorf("notification replicas leading: %v, want one", leaders)
		}
		if err != nil {
			return err
		}
		leader = leaders[0]
		holder, err = p.LeaseHolder(ctx)
		return err
	})
	killed := time.Now()
	if err := p.Stack.Procs[leader].Kill(); err != nil {
		t.Fatal(err)
	}
	// A bound for correctness, not a measure: the takeover figure is make
	// bench-takeover-mongo's.
	testkit.EventuallyErr(t, 5*time.Second+time.Minute, func() error {
		now, err := p.LeaseHolder(ctx)
		if err == nil && (now == "" || now == holder) {
			err = fmt.Errorf("lease held by %q, want another process than the killed %s's (%s)", now, leader, holder)
		}
		if err != nil {
			return err
		}
		relayed, err := p.NotificationRelayedSince(ctx, killed)
		if err == nil && !relayed {
			err = fmt.Errorf("no notification delivered since the kill was relayed")
		}
		return err
	})
	t.Logf("notification relay leader %s killed; another relays after %s", leader, time.Since(killed).Round(time.Millisecond))
	if err := p.Stack.WaitReady(ctx, leader); err != nil {
		t.Fatal(err)
	}
	before := load.Accepted()
	testkit.Eventually(t, 3*time.Minute, func() bool { return load.Accepted() >= before+50 }, "50 more orders accepted")
	ids, failed := load.Stop()
	t.Logf("%d orders accepted, %d placements failed", len(ids), failed)
	if err := p.AwaitNotificationsSent(ctx, 3*time.Minute); err != nil {
		t.Fatal(err)
	}
	settle(ctx, t, p, ids)
}
