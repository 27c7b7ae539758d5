package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/pkg/tracing"
	"github.com/eventshop/eventshop/services/notification/internal/app/command"
	"github.com/eventshop/eventshop/services/notification/internal/app/query"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// Collection is the name of the notifications collection.
const Collection = "notifications"

// Notifications is the MongoDB repository of notifications, for the
// commands and the queries. Every write is a single-document operation, as
// FerretDB has no multi-document transactions.
type Notifications struct {
	coll       *mongo.Collection
	unfinished *mongo.Collection // the Unfinished list, in coll's database
	handoff    *outbox.MongoHandoff
}

var (
	_ command.Repository  = (*Notifications)(nil)
	_ query.Notifications = (*Notifications)(nil)
)

// NewNotifications returns the repository over coll and the Unfinished
// list beside it. MarkSent hands the events it stores to the relay through
// handoff, and Due tells it of sent events a stopped process left (nil for
// none: they wait for the relay's pass at start); the relay must report to
// Relayed.
func NewNotifications(coll *mongo.Collection, handoff *outbox.MongoHandoff) *Notifications {
	return &Notifications{coll: coll, unfinished: coll.Database().Collection(Unfinished), handoff: handoff}
}

// Add inserts n unless a document with its _id exists. A duplicate key means
// the order's notification is already stored, which is not an error. The
// context's trace is kept with it for the event that announces its delivery.
//
// It lists n as unfinished first, due when its next round is: should the
// process stop between the two writes, the entry of a notification never
// stored goes at the next sweep, while a notification stored but not
// listed would be found by no sweep.
func (r *Notifications) Add(ctx context.Context, n domain.Notification, eventID string) (bool, error) {
	if err := r.list(ctx, n.ID(), n.NextAttemptAt(), n.Attempts()); err != nil {
		return false, err
	}
	_, err := r.coll.InsertOne(ctx, toDocument(n, eventID, tracing.TraceParent(ctx)))
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("insert notification %s: %w", n.ID(), err)
	}
	return true, nil
}

// unsent selects notifications whose delivery is not finished.
func unsent() bson.M {
	return bson.M{"$in": bson.A{string(domain.StatusPending), string(domain.StatusFailed)}}
}

// ListForCustomer returns up to limit of the customer's notifications,
// newest first, those older than after when it is not nil: created before
// it, or at the same time with a smaller id.
func (r *Notifications) ListForCustomer(ctx context.Context, customerID string, after *query.Position, limit int) ([]domain.Notification, error) {
	opts := options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).
		SetLimit(int64(limit)).SetProjection(bson.M{outbox.MongoField: 0})
	filter := bson.M{"customer_id": customerID}
	if after != nil {
		filter["$or"] = bson.A{
			bson.M{"created_at": bson.M{"$lt": after.CreatedAt}},
			bson.M{"created_at": after.CreatedAt, "_id": bson.M{"$lt": after.ID}},
		}
	}
	return r.find(ctx, filter, opts)
}

func (r *Notifications) find(ctx context.Context, filter bson.M, opts *options.FindOptionsBuilder) ([]domain.Notification, error) {
	cur, err := r.coll.Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("find notifications: %w", err)
	}
	var docs []document
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read notifications: %w", err)
	}
	out := make([]domain.Notification, 0, len(docs))
	for _, d := range docs {
		n, err := toDomain(d)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// MarkSent stores n as SENT and pushes ev to the document's outbox in the
// same update, so the event is published if and only if the state is
// stored; then it hands ev to the relay.
//
// An ev without a trace comes from a round that picked the notification up
// later (a retry, or a round another process left): MarkSent reads the
// stored notification first, leaves it as it is if found SENT already, and
// continues the trace it was recorded in. An ev with a trace comes from the
// first round, which Record claimed when it stored the notification: no
// other round can have sent it unless this one outlived its lease, the
// race below, so that read is skipped.
//
// Both the read and the update select by _id alone: FerretDB on SQLite
// finds a document by _id and scans the whole collection for any other
// filter, and this is the write every notification makes. Only the round
// that holds the claim gets here; should a round that outlived its lease
// race another one between the read and the update, the second update
// stores the same state and queues an event with the same id (see
// command.DeliverHandler), which the stream drops.
func (r *Notifications) MarkSent(ctx context.Context, n domain.Notification, ev event.Event) error {
	s := n.Snapshot()
	if ev.TraceParent == "" {
		stored, err := r.sentState(ctx, s.ID)
		if err != nil || stored.Status == string(domain.StatusSent) {
			return err
		}
		ev.TraceParent = stored.TraceParent
	}
	update := bson.M{
		"$set": bson.M{"status": string(s.Status), "attempts": s.Attempts, "channel": s.Channel,
			"sent_at": s.SentAt, "last_error": ""},
		"$unset": bson.M{"next_attempt_at": ""},
		"$push":  bson.M{outbox.MongoField: bson.M{"$each": outbox.MongoEvents(ev)}},
	}
	if _, err := r.coll.UpdateOne(ctx, bson.M{"_id": s.ID}, update); err != nil {
		return fmt.Errorf("mark %s sent: %w", s.ID, err)
	}
	r.handoff.Handed(s.ID, ev)
	return nil
}

// sentState is what MarkSent reads of a stored notification: its status,
// and the trace it was recorded in, which the sent event continues (the
// delivery worker runs outside that trace).
type sentState struct {
	Status      string `bson:"status"`
	TraceParent string `bson:"trace_parent"`
}

func (r *Notifications) sentState(ctx context.Context, id string) (sentState, error) {
	var st sentState
	opts := options.FindOne().SetProjection(bson.M{"status": 1, "trace_parent": 1})
	if err := r.coll.FindOne(ctx, bson.M{"_id": id}, opts).Decode(&st); err != nil {
		return st, fmt.Errorf("read notification %s: %w", id, err)
	}
	return st, nil
}

// SaveRetry stores the outcome of a failed or postponed round of an unsent
// notification, and moves its entry in the unfinished list to its next
// round, so that the round runs on time should this process stop first.
func (r *Notifications) SaveRetry(ctx context.Context, n domain.Notification) error {
	s := n.Snapshot()
	update := bson.M{"$set": bson.M{"status": string(s.Status), "attempts": s.Attempts,
		"last_error": s.LastError, "next_attempt_at": s.NextAttemptAt}}
	res, err := r.coll.UpdateOne(ctx, bson.M{"_id": s.ID, "status": unsent()}, update)
	if err != nil {
		return fmt.Errorf("save retry of %s: %w", s.ID, err)
	}
	if res.MatchedCount == 0 {
		return nil // sent by another round meanwhile
	}
	return r.list(ctx, s.ID, s.NextAttemptAt, s.Attempts)
}
