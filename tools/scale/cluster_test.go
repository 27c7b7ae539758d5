package scale_test

import (
	"testing"
	"time"

	"github.com/eventshop/eventshop/testkit"
	"github.com/eventshop/eventshop/tools/scale"
)

// TestStreamLeaderNodeKilledUnderLoad runs a three-node JetStream cluster
// with every stream replicated three times, and under load kills the node
// leading the ORDER stream and keeps it down for a while: the platform goes
// on (another node leads), no acknowledged event is lost and no effect
// repeated, and the node, started again, rejoins and catches up.
func TestStreamLeaderNodeKilledUnderLoad(t *testing.T) {
	p := start(t, 1, 3)
	ctx := t.Context()
	replicas, err := p.StreamReplicas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, n := range replicas {
		if n != 3 {
			t.Errorf("stream %s has %d replicas, want 3", name, n)
		}
	}
	load := scale.StartLoad(ctx, p.Gateway(), p.SKUs, loadRate)
	testkit.Eventually(t, 2*time.Minute, func() bool { return load.Accepted() >= 100 }, "100 orders accepted")
	leader, err := p.StreamLeader(ctx, "ORDER")
	if err != nil {
		t.Fatal(err)
	}
	node := p.Node(leader)
	node.Down() // SIGKILL, held down
	t.Logf("killed node %d, leader of ORDER", leader+1)
	before := load.Accepted()
	testkit.Eventually(t, time.Minute+30*time.Second, func() bool { return load.Accepted() >= before+100 },
		"100 more orders accepted with the stream leader's node down")
	testkit.EventuallyErr(t, time.Minute, func() error {
		now, err := p.StreamLeader(ctx, "ORDER")
		if err == nil && now == leader {
			t.Fatalf("the dead node %d still leads ORDER", leader+1)
		}
		return err
	})
	if err := node.Start(); err != nil {
		t.Fatal(err)
	}
	ids, failed := load.Stop()
	t.Logf("%d orders accepted, %d placements failed", len(ids), failed)
	settle(ctx, t, p, ids)
	testkit.EventuallyErr(t, 2*time.Minute, func() error { return p.CaughtUp(ctx) })
}
