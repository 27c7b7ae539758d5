package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	mongoevent "go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/testkit"
)

// collection returns a collection in a database of the test's own.
func collection(t *testing.T) *mongo.Collection {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(testkit.Mongo(t)))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = client.Disconnect(t.Context()) })
	return client.Database(testkit.MongoDatabase(t)).Collection("notifications")
}

// insertDocs stores one document per group of events, with the events in
// its outbox, and one document without events.
func insertDocs(t *testing.T, coll *mongo.Collection, groups ...[]event.Event) {
	t.Helper()
	docs := []any{bson.M{"_id": "quiet", outbox.MongoField: bson.A{}}}
	for i, evs := range groups {
		docs = append(docs, bson.M{"_id": i, "status": "sent", outbox.MongoField: outbox.MongoEvents(evs...)})
	}
	if _, err := coll.InsertMany(t.Context(), docs); err != nil {
		t.Fatalf("insert: %v", err)
	}
}

// pendingEvents counts the events left in the documents' outbox arrays.
func pendingEvents(t *testing.T, coll *mongo.Collection) int {
	t.Helper()
	cur, err := coll.Find(t.Context(), bson.M{})
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	var docs []struct {
		Outbox []bson.M `bson:"outbox"`
	}
	if err := cur.All(t.Context(), &docs); err != nil {
		t.Fatalf("decode: %v", err)
	}
	n := 0
	for _, d := range docs {
		n += len(d.Outbox)
	}
	return n
}

func TestMongoRelayPublishesPendingEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		batchSize int
		docs      int
	}{
		{"one pass", 0, 5},
		{"several passes", 2, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			coll, b := collection(t), connect(t, testkit.NATS(t))
			groups := make([][]event.Event, tc.docs)
			var all []event.Event
			for i := range groups {
				groups[i] = rejected(t, 3)
				all = append(all, groups[i]...)
			}
			insertDocs(t, coll, groups...)
			r := outbox.NewMongoRelay(coll, b, quietLog(), outbox.MongoOptions{BatchSize: tc.batchSize})
			runRelay(t, r)
			testkit.Eventually(t, wait, func() bool { return pendingEvents(t, coll) == 0 }, "events left pending")
			if diff := cmp.Diff(idCounts(all), streamIDs(t, b)); diff != "" {
				t.Errorf("stream (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(all, streamEvents(t, b)); diff != "" {
				t.Errorf("events in stream order (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMongoRelayStartPassReadsTheCollectionOnce gives the relay more
// documents with events than a batch holds: its pass at start publishes
// them all and reads the collection once, not once per batch; every other
// read is by _id, which FerretDB answers without reading the collection.
func TestMongoRelayStartPassReadsTheCollectionOnce(t *testing.T) {
	t.Parallel()
	var scans atomic.Int32
	monitor := &mongoevent.CommandMonitor{Started: func(_ context.Context, e *mongoevent.CommandStartedEvent) {
		if e.CommandName != "find" {
			return
		}
		filter, _ := e.Command.Lookup("filter").DocumentOK()
		if _, err := filter.LookupErr("_id"); err != nil { // not a read by _id
			scans.Add(1)
		}
	}}
	client, err := mongo.Connect(options.Client().ApplyURI(testkit.Mongo(t)).SetMonitor(monitor))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = client.Disconnect(t.Context()) })
	coll := client.Database(testkit.MongoDatabase(t)).Collection("notifications")
	b := connect(t, testkit.NATS(t))
	groups := make([][]event.Event, 7)
	var all []event.Event
	for i := range groups {
		groups[i] = rejected(t, 2)
		all = append(all, groups[i]...)
	}
	insertDocs(t, coll, groups...)
	scans.Store(0)
	runRelay(t, outbox.NewMongoRelay(coll, b, quietLog(), outbox.MongoOptions{BatchSize: 2}))
	testkit.Eventually(t, wait, func() bool { return len(streamIDs(t, b)) == len(all) }, "events not published")
	if n := scans.Load(); n != 1 {
		t.Errorf("the start pass read the collection %d times, want once", n)
	}
	if diff := cmp.Diff(idCounts(all), streamIDs(t, b)); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
}

// runAfterStartPass starts r and returns once its pass over the collection
// at start is over, which a sentinel document's events leaving the outbox
// show; it returns those events, which are then in the stream. Documents
// inserted after it are left to NotifyIDs, Handed or Notify: were
// they inserted while the start pass could still read them, it would
// publish them all.
func runAfterStartPass(t *testing.T, r *outbox.MongoRelay, coll *mongo.Collection) []event.Event {
	t.Helper()
	sentinel := rejected(t, 1)
	if _, err := coll.InsertOne(t.Context(), bson.M{"_id": "sentinel", outbox.MongoField: outbox.MongoEvents(sentinel...)}); err != nil {
		t.Fatalf("insert sentinel: %v", err)
	}
	runRelay(t, r)
	testkit.Eventually(t, wait, func() bool { return pendingEvents(t, coll) == 0 }, "the start pass did not relay the sentinel")
	return sentinel
}

// TestMongoRelayNotifyIDsRelaysThoseDocuments tells a running relay of two
// of three documents with events: it publishes theirs, by _id, and leaves
// the third, as no pass over the collection comes while it runs.
func TestMongoRelayNotifyIDsRelaysThoseDocuments(t *testing.T) {
	t.Parallel()
	coll, b := collection(t), connect(t, testkit.NATS(t))
	r := outbox.NewMongoRelay(coll, b, quietLog(), outbox.MongoOptions{})
	sentinel := runAfterStartPass(t, r, coll)
	groups := [][]event.Event{rejected(t, 2), rejected(t, 3), rejected(t, 2)}
	insertDocs(t, coll, groups...)
	r.NotifyIDs(0, 2, "missing")
	told := slices.Concat(sentinel, groups[0], groups[2])
	testkit.Eventually(t, wait, func() bool { return pendingEvents(t, coll) == len(groups[1]) }, "told documents not relayed")
	if diff := cmp.Diff(idCounts(told), streamIDs(t, b)); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
}

// TestMongoRelayHandedPublishesThoseEvents hands a running relay the
// events of one of two documents, as their writer pushed them: it publishes
// them and removes exactly them, and leaves the other document alone, as
// no pass over the collection comes while it runs.
func TestMongoRelayHandedPublishesThoseEvents(t *testing.T) {
	t.Parallel()
	coll, b := collection(t), connect(t, testkit.NATS(t))
	r := outbox.NewMongoRelay(coll, b, quietLog(), outbox.MongoOptions{})
	sentinel := runAfterStartPass(t, r, coll)
	groups := [][]event.Event{rejected(t, 2), rejected(t, 3)}
	insertDocs(t, coll, groups...)
	r.Handed(0, groups[0]...)
	testkit.Eventually(t, wait, func() bool { return pendingEvents(t, coll) == len(groups[1]) }, "handed events not relayed")
	if diff := cmp.Diff(slices.Concat(sentinel, groups[0]), streamEvents(t, b)); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
}

// TestMongoRelayRetriesAFailedPassUnwoken makes the bus refuse the
// relay's first three publishes of handed and told events: the relay tries
// again by itself, after a pause, and publishes every event once, although
// nothing wakes it and no pass over the collection comes while it runs.
func TestMongoRelayRetriesAFailedPassUnwoken(t *testing.T) {
	t.Parallel()
	coll, b := collection(t), connect(t, testkit.NATS(t))
	pub := &failingPublisher{b: b}
	r := outbox.NewMongoRelay(coll, pub, quietLog(), outbox.MongoOptions{})
	sentinel := runAfterStartPass(t, r, coll)
	pub.failures.Store(3)
	groups := [][]event.Event{rejected(t, 2), rejected(t, 3)}
	insertDocs(t, coll, groups...)
	r.Handed(0, groups[0]...)
	r.NotifyIDs(1)
	testkit.Eventually(t, wait, func() bool { return pendingEvents(t, coll) == 0 }, "events left pending after failed publishes")
	if left := pub.failures.Load(); left > 0 {
		t.Errorf("%d publishes left to refuse, want all 3 refused", left)
	}
	if diff := cmp.Diff(idCounts(slices.Concat(sentinel, groups[0], groups[1])), streamIDs(t, b)); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
}

// TestMongoRelayTellsWhichDocumentsItRelayed relays two documents in its
// start pass, one it is told of and one whose events it is handed: it
// names each of them to Relayed once its events are out of the document,
// and never the document without events.
func TestMongoRelayTellsWhichDocumentsItRelayed(t *testing.T) {
	t.Parallel()
	coll, b := collection(t), connect(t, testkit.NATS(t))
	insertDocs(t, coll, rejected(t, 1), rejected(t, 2))
	relayed := make(chan any, 10)
	r := outbox.NewMongoRelay(coll, b, quietLog(), outbox.MongoOptions{
		Relayed: func(_ context.Context, ids []any) {
			for _, id := range ids {
				relayed <- id
			}
		},
	})
	runRelay(t, r)
	// The start pass is over before the next documents are stored, or it
	// could relay them itself.
	testkit.Eventually(t, wait, func() bool { return pendingEvents(t, coll) == 0 }, "the start pass relayed nothing")
	told, handed := rejected(t, 1), rejected(t, 2)
	docs := []any{
		bson.M{"_id": "told", outbox.MongoField: outbox.MongoEvents(told...)},
		bson.M{"_id": "handed", outbox.MongoField: outbox.MongoEvents(handed...)},
	}
	if _, err := coll.InsertMany(t.Context(), docs); err != nil {
		t.Fatalf("insert: %v", err)
	}
	r.NotifyIDs("told")
	r.Handed("handed", handed...)
	got := map[any]int{}
	testkit.Eventually(t, wait, func() bool {
		for {
			select {
			case id := <-relayed:
				got[fmt.Sprint(id)]++
			default:
				return len(got) >= 4
			}
		}
	}, "relayed documents named: %v", got)
	want := map[any]int{"0": 1, "1": 1, "told": 1, "handed": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("documents named to Relayed (-want +got):\n%s", diff)
	}
	if n := pendingEvents(t, coll); n != 0 {
		t.Errorf("%d events left pending", n)
	}
}

// failingPublisher refuses as many publishes as failures says, then passes
// them on to the bus.
type failingPublisher struct {
	b        *bus.Bus
	failures atomic.Int64
}

func (p *failingPublisher) Publish(ctx context.Context, evs ...event.Event) error {
	if p.failures.Add(-1) >= 0 {
		return errors.New("bus unavailable")
	}
	return p.b.Publish(ctx, evs...)
}

// TestMongoRelayCrashBeforeRemovingRepublishes fails after the acks: the
// events stay in the documents and the next relay publishes them again,
// which the stream deduplicates. Notify wakes the relays for a pass over
// the collection.
func TestMongoRelayCrashBeforeRemovingRepublishes(t *testing.T) {
	t.Parallel()
	coll, b := collection(t), connect(t, testkit.NATS(t))
	var crashes atomic.Int64
	crashing := outbox.NewMongoRelay(coll, b, quietLog(), outbox.MongoOptions{
		AfterPublish: func() error { crashes.Add(1); return outbox.ErrCrash },
	})
	stop := runRelay(t, crashing)
	evs := rejected(t, 4)
	insertDocs(t, coll, evs[:2], evs[2:])
	crashing.Notify()
	testkit.Eventually(t, wait, func() bool { return crashes.Load() > 0 }, "relay never published")
	stop()
	if n := pendingEvents(t, coll); n != len(evs) {
		t.Fatalf("after the crash %d events are pending, want all %d", n, len(evs))
	}

	restarted := &countingPublisher{b: b}
	r := outbox.NewMongoRelay(coll, restarted, quietLog(), outbox.MongoOptions{})
	runRelay(t, r)
	r.Notify()
	testkit.Eventually(t, wait, func() bool { return pendingEvents(t, coll) == 0 }, "events left pending")
	if got := restarted.published.Load(); got != int64(len(evs)) {
		t.Errorf("restarted relay published %d events, want %d again", got, len(evs))
	}
	if diff := cmp.Diff(idCounts(evs), streamIDs(t, b)); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
}

// streamEvents returns the ORDER stream's events in stream order.
func streamEvents(t *testing.T, b *bus.Bus) []event.Event {
	t.Helper()
	s, err := b.JetStream().Stream(t.Context(), bus.StreamOrder)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	var evs []event.Event
	for seq := uint64(1); seq <= s.CachedInfo().State.LastSeq; seq++ {
		raw, err := s.GetMsg(t.Context(), seq)
		if err != nil {
			t.Fatalf("get message %d: %v", seq, err)
		}
		ev, err := bus.EventFromMsg(raw.Subject, raw.Header, raw.Data)
		if err != nil {
			t.Fatalf("decode message %d: %v", seq, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// blockingPublisher holds its first publish until release is closed,
// telling of it on entered, and counts the events it passes on.
type blockingPublisher struct {
	b         *bus.Bus
	calls     atomic.Int64
	published atomic.Int64
	entered   chan struct{}
	release   chan struct{}
}

func (p *blockingPublisher) Publish(ctx context.Context, evs ...event.Event) error {
	if p.calls.Add(1) == 1 {
		close(p.entered)
		<-p.release
	}
	err := p.b.Publish(ctx, evs...)
	if err == nil {
		p.published.Add(int64(len(evs)))
	}
	return err
}

// TestMongoRelayPassAndPollDoNotRelayOneDocumentTwice holds the term's
// pass in its publish of a document left by the previous term, then has
// MongoOptions.Pending name that document on every poll: the polls pass it
// over while the pass holds it, and its event is published once.
func TestMongoRelayPassAndPollDoNotRelayOneDocumentTwice(t *testing.T) {
	t.Parallel()
	coll, b := collection(t), connect(t, testkit.NATS(t))
	evs := rejected(t, 1)
	if _, err := coll.InsertOne(t.Context(), bson.M{"_id": "left", outbox.MongoField: outbox.MongoEvents(evs...)}); err != nil {
		t.Fatalf("insert: %v", err)
	}
	pub := &blockingPublisher{b: b, entered: make(chan struct{}), release: make(chan struct{})}
	var polls atomic.Int64
	r := outbox.NewMongoRelay(coll, pub, quietLog(), outbox.MongoOptions{
		PollInterval: 10 * time.Millisecond,
		Pending: func(context.Context, int) ([]any, error) {
			select {
			case <-pub.entered: // the pass holds the document: name it
				polls.Add(1)
				return []any{"left"}, nil
			default:
				return nil, nil
			}
		},
	})
	runRelay(t, r)
	<-pub.entered
	testkit.Eventually(t, wait, func() bool { return polls.Load() >= 3 }, "the relay stopped polling")
	close(pub.release)
	testkit.Eventually(t, wait, func() bool { return pendingEvents(t, coll) == 0 }, "events left pending")
	testkit.Eventually(t, wait, func() bool { return polls.Load() >= 6 }, "the relay stopped polling")
	if n := pub.published.Load(); n != 1 {
		t.Errorf("the document's event was published %d times, want 1", n)
	}
}

// TestMongoRelayStoppedAfterPublishingStillRemovesTheEvents stops the
// relay between its publish and the removal of the published events: the
// removal still happens, so the next term does not publish them again.
func TestMongoRelayStoppedAfterPublishingStillRemovesTheEvents(t *testing.T) {
	t.Parallel()
	coll, b := collection(t), connect(t, testkit.NATS(t))
	insertDocs(t, coll, rejected(t, 2))
	ctx, stop := context.WithCancel(t.Context())
	r := outbox.NewMongoRelay(coll, b, quietLog(), outbox.MongoOptions{
		AfterPublish: func() error { stop(); return nil },
	})
	if err := r.Run(ctx); err != nil {
		t.Fatalf("run: %v", err)
	}
	if n := pendingEvents(t, coll); n != 0 {
		t.Errorf("%d published events left in the document", n)
	}
}
