package leader_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/leader"
	"github.com/eventshop/eventshop/testkit"
)

// longLease is long enough that a standby taking over well before it ends
// can only have been told by the liveness probe.
const longLease = 30 * time.Second

// Environment of the child process that leads and is killed.
const (
	childMongo = "LEADER_CHILD_MONGO_URL"
	childDB    = "LEADER_CHILD_MONGO_DATABASE"
	childNATS  = "LEADER_CHILD_NATS_URL"
)

// natsLiveness returns a liveness on a NATS connection of its own, as
// each replica has.
func natsLiveness(t *testing.T, url string) leader.Liveness {
	t.Helper()
	nc := natsConn(t, url)
	return leader.NewNATSLiveness(nc, 0)
}

func natsConn(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// leaseDoc is the lease document as the electors write it.
type leaseDoc struct {
	Holder  string    `bson:"holder"`
	Expires time.Time `bson:"expires"`
}

func readLease(ctx context.Context, coll *mongo.Collection) (leaseDoc, error) {
	var l leaseDoc
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "sweeps"}}).Decode(&l)
	return l, err
}

// TestMongoLivenessReplacesAKilledLeaderBeforeItsLeaseEnds kill -9s a
// child process that leads with a 30 s lease: one of two standbys takes
// over while the dead leader's lease still runs, and the two never lead
// at once.
func TestMongoLivenessReplacesAKilledLeaderBeforeItsLeaseEnds(t *testing.T) {
	coll := leases(t)
	ns := testkit.NATS(t)
	child := startChild(t, coll, ns.URL())
	testkit.EventuallyErr(t, wait, func() error { // the child leads
		_, err := readLease(t.Context(), coll)
		return err
	})
	var running atomic.Int32
	var overlap atomic.Bool
	b := start(t, leader.NewMongo(coll, "sweeps", longLease, nil, leader.WithLiveness(natsLiveness(t, ns.URL()), 0)), &running, &overlap)
	c := start(t, leader.NewMongo(coll, "sweeps", longLease, nil, leader.WithLiveness(natsLiveness(t, ns.URL()), 0)), &running, &overlap)
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	dead, err := readLease(t.Context(), coll) // the last renewal before the kill
	if err != nil {
		t.Fatal(err)
	}
	oneLeads(t, &running, b, c)
	if now := time.Now(); !now.Before(dead.Expires) {
		t.Fatalf("taken over at %s, not before the killed leader's lease ended at %s", now, dead.Expires)
	}
	t.Logf("taken over %s after the kill, %s before the lease ended", time.Since(killed), time.Until(dead.Expires))
	now, err := readLease(t.Context(), coll)
	if err != nil {
		t.Fatal(err)
	}
	if now.Holder == dead.Holder {
		t.Errorf("the lease is still the killed leader's")
	}
	if overlap.Load() {
		t.Error("two standbys ran the job at once")
	}
}

// TestMongoLivenessManyStandbysTakeAGoneHoldersLeaseOnce gives a 30 s
// lease to a holder not on NATS and starts many standbys at once: they
// all find it gone within the same quarter second, one takes the lease,
// and no two ever run the job together.
func TestMongoLivenessManyStandbysTakeAGoneHoldersLeaseOnce(t *testing.T) {
	coll := leases(t)
	ns := testkit.NATS(t)
	setLease(t, coll, "holder", time.Now().Add(longLease))
	var running atomic.Int32
	var overlap atomic.Bool
	rs := make([]*replica, 6)
	for i := range rs {
		rs[i] = start(t, leader.NewMongo(coll, "sweeps", longLease, nil, leader.WithLiveness(natsLiveness(t, ns.URL()), 0)), &running, &overlap)
	}
	oneLeads(t, &running, rs...)
	if overlap.Load() {
		t.Error("two standbys ran the job at once")
	}
}

// TestMongoLivenessLeaderCutOffFromNATSStepsDown closes the NATS
// connection of a leader that still reaches MongoDB: a standby takes the
// lease before it ends, and the old leader, finding it lost at its next
// renewal, stops its job. They overlap until then, which the jobs an
// election runs must bear (see the package doc).
func TestMongoLivenessLeaderCutOffFromNATSStepsDown(t *testing.T) {
	coll := leases(t)
	ns := testkit.NATS(t)
	var running atomic.Int32
	var overlap atomic.Bool
	cut := natsConn(t, ns.URL())
	a := start(t, leader.NewMongo(coll, "sweeps", longLease, nil, leader.WithLiveness(leader.NewNATSLiveness(cut, 0), 0)), &running, &overlap)
	testkit.Eventually(t, wait, a.e.Leading, "the first replica never led")
	b := start(t, leader.NewMongo(coll, "sweeps", longLease, nil, leader.WithLiveness(natsLiveness(t, ns.URL()), 0)), &running, &overlap)
	held, err := readLease(t.Context(), coll)
	if err != nil {
		t.Fatal(err)
	}
	cut.Close()
	testkit.Eventually(t, wait, b.e.Leading, "the standby never took over")
	if now := time.Now(); !now.Before(held.Expires) {
		t.Fatalf("taken over at %s, not before the lease ended at %s", now, held.Expires)
	}
	if got := oneLeads(t, &running, a, b); got != b {
		t.Fatal("the replica cut off from NATS leads again")
	}
}

// TestMongoLivenessWaitsForTheLeaseOfAHolderThatMayLive gives the lease to
// a holder that does not renew it, and checks that a standby takes it
// over before it ends only when the holder is gone from NATS; a holder
// that answers, or whose probes time out unanswered, keeps it to its end.
func TestMongoLivenessWaitsForTheLeaseOfAHolderThatMayLive(t *testing.T) {
	tests := []struct {
		name        string
		subscribe   bool // the holder has a connection that gets the probes
		answer      bool // and answers them
		beforeLease bool // so a standby may take the lease before it ends
	}{
		{name: "gone", beforeLease: true},
		{name: "answers", subscribe: true, answer: true},
		{name: "never answers", subscribe: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			coll := leases(t)
			ns := testkit.NATS(t)
			var probes atomic.Int32
			if tt.subscribe {
				holderSubscribes(t, natsConn(t, ns.URL()), tt.answer, &probes)
			}
			expires := time.Now().Add(8 * time.Second)
			setLease(t, coll, "holder", expires)
			var running atomic.Int32
			var overlap atomic.Bool
			standby := leader.NewMongo(coll, "sweeps", 3*time.Second, nil, leader.WithLiveness(natsLiveness(t, ns.URL()), 0))
			start(t, standby, &running, &overlap)
			testkit.Eventually(t, wait, standby.Leading, "the standby never led")
			if early := time.Now().Before(expires); early != tt.beforeLease {
				t.Errorf("took over before the lease ended: %v, want %v", early, tt.beforeLease)
			}
			if tt.subscribe && probes.Load() < 2 {
				t.Errorf("the holder was probed %d times, want several", probes.Load())
			}
		})
	}
}

// holderSubscribes answers, or only counts, the probes for "holder".
func holderSubscribes(t *testing.T, nc *nats.Conn, answer bool, probes *atomic.Int32) {
	t.Helper()
	_, err := nc.Subscribe(leader.NATSLivenessSubject("sweeps", "holder"), func(m *nats.Msg) {
		probes.Add(1)
		if answer {
			_ = m.Respond(nil)
		}
	})
	if err == nil {
		err = nc.Flush()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// setLease writes the lease for holder until expires, as a leader that
// then stopped renewing it would have left it.
func setLease(t *testing.T, coll *mongo.Collection, holder string, expires time.Time) {
	t.Helper()
	_, err := coll.UpdateOne(t.Context(), bson.D{{Key: "_id", Value: "sweeps"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: holder}, {Key: "expires", Value: expires}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		t.Fatal(err)
	}
}

// startChild runs TestMongoLivenessChild in a process of its own, electing
// in coll's database with a NATS liveness on natsURL.
func startChild(t *testing.T, coll *mongo.Collection, natsURL string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestMongoLivenessChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childMongo+"="+testkit.Mongo(t), childDB+"="+coll.Database().Name(), childNATS+"="+natsURL)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("child output:\n%s", out.String())
		}
	})
	return cmd
}

// TestMongoLivenessChild is the leader that
// TestMongoLivenessReplacesAKilledLeaderBeforeItsLeaseEnds kills; run on
// its own it skips.
func TestMongoLivenessChild(t *testing.T) {
	url := os.Getenv(childMongo)
	if url == "" {
		t.Skip("run by TestMongoLivenessReplacesAKilledLeaderBeforeItsLeaseEnds")
	}
	c, err := mongo.Connect(options.Client().ApplyURI(url))
	if err != nil {
		t.Fatal(err)
	}
	coll := c.Database(os.Getenv(childDB)).Collection("leases")
	e := leader.NewMongo(coll, "sweeps", longLease, nil, leader.WithLiveness(natsLiveness(t, os.Getenv(childNATS)), 0))
	ctx, cancel := context.WithTimeout(t.Context(), 2*wait) // in case the test that kills it is gone
	defer cancel()
	_ = e.Run(ctx, func(ctx context.Context) error { <-ctx.Done(); return nil })
}
