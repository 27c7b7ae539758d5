package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/event"
)

// MongoOptions tune a MongoRelay. Every zero value means the documented default.
type MongoOptions struct {
	// BatchSize is how many documents one pass reads. Default 100.
	BatchSize int
	// RetryMax is the longest pause before a failed pass is tried again.
	// Default 5s.
	RetryMax time.Duration
	// Relayed, when set, is told of the documents whose events the relay
	// published and removed, or that it read by _id and found with none
	// left, so that a writer that keeps its own list of documents with
	// pending events (see MongoRelay) can drop them from it.
	Relayed func(ctx context.Context, ids []any)
	// Handoff, when set, is the hand-off the collection's writers of this
	// process use (see MongoHandoff); the relay takes it while it runs.
	// Default none.
	Handoff *MongoHandoff
	// Pending, when set, lists up to limit documents that writers of other
	// processes (whose own relay does not run) left with pending events,
	// where a query is cheap; the running relay calls it every
	// PollInterval and relays the documents it names, by _id. Default
	// none: such events wait for the pass at the start of a term.
	Pending func(ctx context.Context, limit int) ([]any, error)
	// PollInterval is how often Pending is called. Default 1s.
	PollInterval time.Duration
	// AfterPublish, when set, runs after a batch was acked and before its
	// events are removed from the documents; an error leaves them in place,
	// as a crash there would. For tests.
	AfterPublish func() error
	// Metrics, when set, counts what the relay publishes (NewMetrics).
	Metrics *Metrics
}

// MongoRelay publishes the events pending in a collection's documents.
//
// It works without multi-document transactions and change streams (as on
// FerretDB): handed the events a write pushed (Handed), it publishes them
// as they are; told which documents a write gave events (NotifyIDs), it
// reads just those by _id; and at start, or when asked (Notify), it looks
// through the whole collection for documents whose outbox array is not
// empty. A failed pass is retried after a short pause, doubled while it
// keeps failing. Either way it publishes their events in array order, and
// then removes exactly the published elements with $pullAll, so an event
// added meanwhile stays for the next pass. A crash between publish and
// removal publishes the events again, which JetStream drops as duplicates
// by Nats-Msg-Id. Run one relay per collection: a second one would not
// lose or duplicate events but could interleave one document's events with
// the first's. Of several replicas, the elected one runs it (pkg/leader).
//
// It does not look through the collection again while it runs: on
// FerretDB over SQLite any query but one by _id reads every document, so
// such a pass costs the whole collection however little it finds. Events
// that another process pushed, where no relay runs or before its relay
// removed them, are found by the pass at the start of the next term, or
// sooner through the writer: a writer that runs as several processes lists
// its documents with pending events where a query is cheap, drops them
// when told they were relayed (MongoOptions.Relayed), and hands the list
// to the relay (MongoOptions.Pending), which polls it, or tells its relay
// of the ones left over (NotifyIDs).
type MongoRelay struct {
	coll *mongo.Collection
	pub  Publisher
	log  *slog.Logger
	opts MongoOptions
	wake chan struct{} // handed or told documents wait
	// sweepWake asks for a whole pass (Notify), which runs beside the
	// relay of handed and told documents (see sweeps).
	sweepWake chan struct{}

	mu     sync.Mutex
	hints  map[any]struct{} // documents told of by NotifyIDs, not yet relayed
	handed []handedDoc      // events handed over by Handed, in order
	sweep  bool             // a Notify without ids asked for a whole pass
	// reading holds the documents being relayed now: by the pass or a
	// round reading them by _id (relayIDs), or as handed (relayHanded). The
	// others pass them over rather than publish their events a second time.
	reading map[any]struct{}
	// leftToPass holds the documents a round left to the reading that held
	// them; Run is woken to read them again once that reading ends.
	leftToPass map[any]struct{}
}

// handedDoc is a document's events as the writer pushed them.
type handedDoc struct {
	id  any
	evs []event.Event
}

// NewMongoRelay returns a relay of coll's pending events to pub (a *bus.Bus).
func NewMongoRelay(coll *mongo.Collection, pub Publisher, log *slog.Logger, opts MongoOptions) *MongoRelay {
	if log == nil {
		log = slog.Default()
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 5 * time.Second
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	return &MongoRelay{
		coll: coll, pub: pub, log: log.With("component", "outbox_mongo_relay"),
		opts: opts, wake: make(chan struct{}, 1), sweepWake: make(chan struct{}, 1), hints: map[any]struct{}{},
		reading: map[any]struct{}{}, leftToPass: map[any]struct{}{},
	}
}

// Notify wakes the relay for a pass over the whole collection, for writes
// whose documents the caller does not know.
func (r *MongoRelay) Notify() {
	r.askSweep()
}

func (r *MongoRelay) askSweep() {
	r.mu.Lock()
	r.sweep = true
	r.mu.Unlock()
	signal(r.sweepWake)
}

// NotifyIDs wakes the relay for the documents with these _ids, to be called
// after a write that added events to them. Reading them by _id keeps a pass
// independent of the collection's size: FerretDB on SQLite looks documents
// up by _id alone and scans the collection for any other filter.
func (r *MongoRelay) NotifyIDs(ids ...any) {
	r.hint(ids)
	signal(r.wake)
}

// Handed gives the relay the events a write just pushed to the outbox
// array of the document with this _id, so that it publishes them without
// reading the document back, and then removes exactly them. Call it after
// the write succeeded, in the order of the writes. Should the publish
// fail, the relay reads the document by _id, as after NotifyIDs.
func (r *MongoRelay) Handed(id any, evs ...event.Event) {
	r.mu.Lock()
	r.handed = append(r.handed, handedDoc{id: id, evs: evs})
	r.mu.Unlock()
	signal(r.wake)
}

// relayHanded publishes the handed events, then removes them from their
// documents. A document that is also a hint (events of an earlier failed
// pass wait in it) is left to the hint, which reads all its events in
// array order; so is one the pass is reading, and every handed document
// after a failed publish.
func (r *MongoRelay) relayHanded(ctx context.Context) error {
	r.mu.Lock()
	docs := make([]handedDoc, 0, len(r.handed))
	ids := make([]any, 0, len(r.handed))
	for _, d := range r.handed {
		_, hinted := r.hints[d.id]
		_, read := r.reading[d.id]
		switch {
		case hinted: // read back with the older events
		case read: // the pass is reading it: read it back once it is done
			r.leaveToReader(d.id)
		default:
			r.reading[d.id] = struct{}{}
			docs, ids = append(docs, d), append(ids, d.id)
		}
	}
	r.handed = nil
	r.mu.Unlock()
	if len(docs) == 0 {
		return nil
	}
	defer r.untake(ids)
	var evs []event.Event
	for _, d := range docs {
		evs = append(evs, d.evs...)
	}
	rctx, cancel := finishing(ctx)
	defer cancel()
	if err := r.pub.Publish(rctx, evs...); err != nil {
		r.hint(ids)
		return fmt.Errorf("publish handed events: %w", err)
	}
	for _, d := range docs {
		// The elements as the writer pushed them (MongoEvents), so $pullAll
		// matches them exactly.
		_, err := r.coll.UpdateOne(rctx, bson.M{"_id": d.id}, bson.M{"$pullAll": bson.M{MongoField: MongoEvents(d.evs...)}})
		if err != nil {
			return fmt.Errorf("remove relayed events: %w", err)
		}
		r.opts.Metrics.relayedDoc(len(d.evs))
	}
	r.relayed(rctx, len(docs), func(i int) any { return docs[i].id })
	return nil
}

// finishing is the context in which a batch is published and its events
// removed from their documents: it outlives the relay's own by up to
// shutdownGrace, so that a relay stopped in the middle of a batch finishes
// it rather than leave events JetStream stored for the next term to
// publish again.
func finishing(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
}

// relayed tells MongoOptions.Relayed of the n documents id(0)…id(n-1).
func (r *MongoRelay) relayed(ctx context.Context, n int, id func(int) any) {
	if r.opts.Relayed == nil || n == 0 {
		return
	}
	ids := make([]any, n)
	for i := range ids {
		ids[i] = id(i)
	}
	r.opts.Relayed(ctx, ids)
}

func (r *MongoRelay) hint(ids []any) {
	r.mu.Lock()
	for _, id := range ids {
		r.hints[id] = struct{}{}
	}
	r.mu.Unlock()
}

// Run relays until ctx is done: the handed and told documents whenever
// woken, and the documents MongoOptions.Pending lists every PollInterval;
// beside them, a whole pass at start and whenever Notify asks for one (see
// sweeps). A failed pass is tried again after a pause that starts at
// retryFirst and doubles up to RetryMax, woken or not. While it runs it
// takes what the writers of this process hand over (MongoOptions.Handoff);
// what it was handed and had not relayed when ctx ended is left to Drain.
func (r *MongoRelay) Run(ctx context.Context) error {
	r.opts.Handoff.attach(r)
	defer r.opts.Handoff.detach(r)
	var wg sync.WaitGroup
	defer wg.Wait()
	r.askSweep() // a whole pass at start
	wg.Go(func() { r.sweeps(ctx) })
	timer := time.NewTimer(0)
	defer timer.Stop()
	var pause time.Duration
	pollAt := time.Now()
	for {
		failed := false
		if r.opts.Pending != nil && !time.Now().Before(pollAt) {
			failed = r.poll(ctx) != nil
			pollAt = time.Now().Add(r.opts.PollInterval)
		}
		failed = r.round(ctx) || failed
		pause = retryPause(pause, failed, r.opts.RetryMax)
		if failed {
			pollAt = later(pollAt, time.Now().Add(pause))
			timer.Reset(pause)
		} else if r.opts.Pending != nil {
			timer.Reset(time.Until(pollAt))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-timer.C:
		}
	}
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// round relays the handed and told documents. It reports whether anything
// failed; what failed is kept as hints for the next round.
func (r *MongoRelay) round(ctx context.Context) (failed bool) {
	if err := r.relayHanded(ctx); err != nil && ctx.Err() == nil {
		failed = true
		r.log.Warn("relay handed mongo events", "error", err)
	}
	if err := r.relayHinted(ctx); err != nil && ctx.Err() == nil {
		failed = true
		r.log.Warn("relay mongo outbox", "error", err)
	}
	return failed
}

// retryFirst is the first pause before a failed pass is tried again.
const retryFirst = 100 * time.Millisecond

// retryPause is the pause before the next try after a pass that failed or
// not, given the previous pause: retryFirst, doubled after each further
// failure up to most, and none after a success.
func retryPause(prev time.Duration, failed bool, most time.Duration) time.Duration {
	if !failed {
		return 0
	}
	if prev == 0 {
		return min(retryFirst, most)
	}
	return min(2*prev, most)
}

// relayHinted relays the documents told of by NotifyIDs. Ids whose relay
// failed are kept for Run's retry.
func (r *MongoRelay) relayHinted(ctx context.Context) error {
	r.mu.Lock()
	ids := make([]any, 0, len(r.hints))
	for id := range r.hints {
		ids = append(ids, id)
	}
	clear(r.hints)
	r.mu.Unlock()
	held, err := r.relayInBatches(ctx, ids)
	if err != nil {
		r.hint(ids) // those relayed already are read again, and found empty
		return err
	}
	// Another reading (the pass, or handed events being relayed) holds
	// these: read them again once it is done with them, for events pushed
	// after its read.
	ended := false
	r.mu.Lock()
	for _, id := range held {
		ended = !r.leaveToReader(id) || ended
	}
	r.mu.Unlock()
	if ended { // that reading ended meanwhile: read them again now
		signal(r.wake)
	}
	return nil
}

// leaveToReader hints id and marks it left to the reading that holds it,
// which wakes Run when it ends (untake); it reports whether that reading
// still goes on. Call it with r.mu held.
func (r *MongoRelay) leaveToReader(id any) (reading bool) {
	r.hints[id] = struct{}{}
	r.leftToPass[id] = struct{}{}
	_, reading = r.reading[id]
	return reading
}

// take marks as being read the ids no other relayIDs call reads now, and
// returns them, and the others as held.
func (r *MongoRelay) take(ids []any) (mine, held []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		if _, ok := r.reading[id]; ok {
			held = append(held, id)
			continue
		}
		r.reading[id] = struct{}{}
		mine = append(mine, id)
	}
	return mine, held
}

// untake ends the reading of ids, and wakes Run if a round left one of
// them to this reading and waits to read it again. A round's own failed
// documents are hints too, but wait for its backoff instead.
func (r *MongoRelay) untake(ids []any) {
	r.mu.Lock()
	left := false
	for _, id := range ids {
		delete(r.reading, id)
		if _, ok := r.leftToPass[id]; ok {
			delete(r.leftToPass, id)
			left = true
		}
	}
	r.mu.Unlock()
	if left {
		signal(r.wake)
	}
}

// relayIDs reads the documents by _id, one lookup each, and relays their
// pending events. It names the documents found with none to
// MongoOptions.Relayed too. Documents that another relayIDs call (the pass
// or a round) is reading now are left to it, and returned as held: the
// term's pass and the poll of MongoOptions.Pending both find the documents
// left by the previous term, and would otherwise both publish them.
func (r *MongoRelay) relayIDs(ctx context.Context, ids []any) (held []any, err error) {
	ids, held = r.take(ids)
	defer r.untake(ids)
	return held, r.relayRead(ctx, ids)
}

// relayRead reads the documents by _id and relays their pending events.
func (r *MongoRelay) relayRead(ctx context.Context, ids []any) error {
	docs := make([]pendingDoc, 0, len(ids))
	var empty []any
	opts := options.FindOne().SetProjection(bson.M{MongoField: 1})
	for _, id := range ids {
		var d pendingDoc
		err := r.coll.FindOne(ctx, bson.M{"_id": id}, opts).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read pending events of %v: %w", id, err)
		}
		if len(d.Outbox) > 0 {
			docs = append(docs, d)
		} else {
			empty = append(empty, id)
		}
	}
	// A document with nothing left was relayed already (by an earlier
	// term, say): its writer's list of pending documents can drop it.
	r.relayed(ctx, len(empty), func(i int) any { return empty[i] })
	return r.relay(ctx, docs)
}

// pendingDoc is a document with its raw outbox elements.
type pendingDoc struct {
	ID     any        `bson:"_id"`
	Outbox []bson.Raw `bson:"outbox"`
}

// relay publishes the documents' events and then removes them.
func (r *MongoRelay) relay(ctx context.Context, docs []pendingDoc) error {
	if len(docs) == 0 {
		return nil
	}
	rctx, cancel := finishing(ctx)
	defer cancel()
	if err := r.publish(rctx, docs); err != nil {
		return err
	}
	for _, d := range docs {
		elems := make(bson.A, len(d.Outbox))
		for i, e := range d.Outbox {
			elems[i] = e
		}
		_, err := r.coll.UpdateOne(rctx, bson.M{"_id": d.ID}, bson.M{"$pullAll": bson.M{MongoField: elems}})
		if err != nil {
			return fmt.Errorf("remove relayed events: %w", err)
		}
		r.opts.Metrics.relayedDoc(len(d.Outbox))
	}
	r.relayed(rctx, len(docs), func(i int) any { return docs[i].ID })
	return nil
}

// pendingIDs lists the _ids of up to limit documents with pending events.
func (r *MongoRelay) pendingIDs(ctx context.Context, limit int) ([]any, error) {
	opts := options.Find().SetLimit(int64(limit)).SetProjection(bson.M{"_id": 1})
	cur, err := r.coll.Find(ctx, bson.M{MongoField + ".0": bson.M{"$exists": true}}, opts)
	if err != nil {
		return nil, fmt.Errorf("find documents with pending events: %w", err)
	}
	var docs []struct {
		ID any `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read documents with pending events: %w", err)
	}
	ids := make([]any, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}

func (r *MongoRelay) publish(ctx context.Context, docs []pendingDoc) error {
	var evs []event.Event
	for _, d := range docs {
		for _, raw := range d.Outbox {
			ev, err := fromMongo(raw)
			if err != nil {
				return err
			}
			evs = append(evs, ev)
		}
	}
	if err := r.pub.Publish(ctx, evs...); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if r.opts.AfterPublish != nil {
		return r.opts.AfterPublish()
	}
	return nil
}
