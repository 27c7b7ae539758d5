package leader_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/leader"
	"github.com/eventshop/eventshop/testkit"
)

// lease keeps the tests' takeovers quick.
const lease = time.Second

func leases(t *testing.T) *mongo.Collection {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(testkit.Mongo(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c.Database(testkit.MongoDatabase(t)).Collection("leases")
}

// TestMongoElectsOneAndHandsOver runs three replicas: exactly one runs the
// job, and when the leader stops (giving its lease up) another takes over.
func TestMongoElectsOneAndHandsOver(t *testing.T) {
	coll := leases(t)
	var running atomic.Int32
	var overlap atomic.Bool
	rs := make([]*replica, 3)
	for i := range rs {
		rs[i] = start(t, leader.NewMongo(coll, "sweeps", lease, nil), &running, &overlap)
	}
	first := oneLeads(t, &running, rs...)
	first.stop(t)
	if second := oneLeads(t, &running, rs...); second == first {
		t.Fatal("the stopped replica still leads")
	}
	if overlap.Load() {
		t.Error("two replicas ran the job at once")
	}
}

// TestMongoTakeoverWhenLeaseExpires gives the lease to a replica that then
// dies: the old leader finds it lost at its next renewal and stops its job,
// and once the dead replica's lease expired a replica takes over.
func TestMongoTakeoverWhenLeaseExpires(t *testing.T) {
	coll := leases(t)
	var running atomic.Int32
	var overlap atomic.Bool
	a := start(t, leader.NewMongo(coll, "sweeps", lease, nil), &running, &overlap)
	b := start(t, leader.NewMongo(coll, "sweeps", lease, nil), &running, &overlap)
	first := oneLeads(t, &running, a, b)
	_, err := coll.UpdateOne(t.Context(), bson.D{{Key: "_id", Value: "sweeps"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: "gone"}, {Key: "expires", Value: time.Now().Add(2 * lease)}}}})
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, wait, func() bool { return running.Load() == 0 }, "the old leader never noticed")
	if first.e.Leading() {
		t.Fatal("the old leader leads under another's lease")
	}
	oneLeads(t, &running, a, b)
}

// TestMongoManyReplicasTakeAnExpiredLeaseOnce starts many replicas at once
// on a lease that ran out: exactly one takes it, and no two ever run the
// job together, even on a store whose updates are a read then a write.
func TestMongoManyReplicasTakeAnExpiredLeaseOnce(t *testing.T) {
	coll := leases(t)
	setLease(t, coll, "gone", time.Now().Add(-time.Minute))
	var running atomic.Int32
	var overlap atomic.Bool
	rs := make([]*replica, 8)
	for i := range rs {
		rs[i] = start(t, leader.NewMongo(coll, "sweeps", 3*time.Second, nil), &running, &overlap)
	}
	oneLeads(t, &running, rs...)
	if overlap.Load() {
		t.Error("two replicas ran the job at once")
	}
}

// TestMongoExpiredClaimDoesNotBarATakeover leaves behind the claim of a
// takeover whose taker lost the database before it could delete it: once
// the claim has expired, a replica takes the lease it claimed.
func TestMongoExpiredClaimDoesNotBarATakeover(t *testing.T) {
	coll := leases(t)
	_, err := coll.UpdateOne(t.Context(), bson.D{{Key: "_id", Value: "sweeps"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: "gone"}, {Key: "expires", Value: time.Now().Add(-time.Minute)}, {Key: "term", Value: "t1"}}}},
		options.UpdateOne().SetUpsert(true))
	if err == nil {
		_, err = coll.InsertOne(t.Context(), bson.D{{Key: "_id", Value: "sweeps/claim/t1"}, {Key: "expires", Value: time.Now().Add(-time.Second)}})
	}
	if err != nil {
		t.Fatal(err)
	}
	var running atomic.Int32
	var overlap atomic.Bool
	oneLeads(t, &running, start(t, leader.NewMongo(coll, "sweeps", lease, nil), &running, &overlap))
}
