package outbox

import (
	"context"
	"fmt"
	"log/slog"
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
	// PollInterval is how often the relay looks for pending events without
	// a Notify. Default 1s.
	PollInterval time.Duration
	// AfterPublish, when set, runs after a batch was acked and before its
	// events are removed from the documents; an error leaves them in place,
	// as a crash there would. For tests.
	AfterPublish func() error
}

// MongoRelay publishes the events pending in a collection's documents.
//
// It works without multi-document transactions and change streams (as on
// FerretDB): it finds documents whose outbox array is not empty, publishes
// their events in array order, and then removes exactly the published
// elements with $pullAll, so an event added meanwhile stays for the next
// pass. A crash between publish and removal publishes the events again,
// which JetStream drops as duplicates by Nats-Msg-Id. Run one relay per
// collection: a second one would not lose or duplicate events but could
// interleave one document's events with the first's.
type MongoRelay struct {
	coll *mongo.Collection
	pub  Publisher
	log  *slog.Logger
	opts MongoOptions
	wake chan struct{}
}

// NewMongoRelay returns a relay of coll's pending events to pub (a *bus.Bus).
func NewMongoRelay(coll *mongo.Collection, pub Publisher, log *slog.Logger, opts MongoOptions) *MongoRelay {
	if log == nil {
		log = slog.Default()
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	return &MongoRelay{
		coll: coll, pub: pub, log: log.With("component", "outbox_mongo_relay"),
		opts: opts, wake: make(chan struct{}, 1),
	}
}

// Notify wakes the relay, to be called after a write that added events.
func (r *MongoRelay) Notify() { signal(r.wake) }

// Run relays until ctx is done.
func (r *MongoRelay) Run(ctx context.Context) error {
	t := time.NewTicker(r.opts.PollInterval)
	defer t.Stop()
	for {
		for ctx.Err() == nil {
			n, err := r.RelayOnce(ctx)
			if err != nil && ctx.Err() == nil {
				r.log.Warn("relay mongo outbox", "error", err)
			}
			if err != nil || n < r.opts.BatchSize {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-t.C:
		}
	}
}

// pendingDoc is a document with its raw outbox elements.
type pendingDoc struct {
	ID     any        `bson:"_id"`
	Outbox []bson.Raw `bson:"outbox"`
}

// RelayOnce publishes the pending events of up to BatchSize documents and
// returns how many documents it read.
func (r *MongoRelay) RelayOnce(ctx context.Context) (int, error) {
	docs, err := r.pending(ctx)
	if err != nil || len(docs) == 0 {
		return 0, err
	}
	if err := r.publish(ctx, docs); err != nil {
		return 0, err
	}
	for _, d := range docs {
		elems := make(bson.A, len(d.Outbox))
		for i, e := range d.Outbox {
			elems[i] = e
		}
		_, err := r.coll.UpdateOne(ctx, bson.M{"_id": d.ID}, bson.M{"$pullAll": bson.M{MongoField: elems}})
		if err != nil {
			return 0, fmt.Errorf("remove relayed events: %w", err)
		}
		mongoRelayedTotal.Add(float64(len(d.Outbox)))
	}
	return len(docs), nil
}

func (r *MongoRelay) pending(ctx context.Context) ([]pendingDoc, error) {
	opts := options.Find().SetLimit(int64(r.opts.BatchSize)).SetProjection(bson.M{MongoField: 1})
	cur, err := r.coll.Find(ctx, bson.M{MongoField + ".0": bson.M{"$exists": true}}, opts)
	if err != nil {
		return nil, fmt.Errorf("find pending events: %w", err)
	}
	var docs []pendingDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read pending events: %w", err)
	}
	return docs, nil
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
