package mongo

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// relayField flags an entry of the unfinished list whose notification is
// SENT with its sent event stored and handed to no relay: this process
// runs none, as one replica relays for all. The running relay polls for
// the flag (PendingRelay), so the event goes out within its poll interval,
// not when the entry's claim ends.
const relayField = "relay"

// forRelay flags the entry of notification id for the running relay,
// creating it, due now, should it be missing.
func (r *Notifications) forRelay(ctx context.Context, id string, attempts int) error {
	update := bson.M{"$set": bson.M{relayField: true},
		"$setOnInsert": bson.M{"due_at": time.Now().UTC(), "attempts": attempts}}
	if _, err := r.unfinished.UpdateOne(ctx, bson.M{"_id": id}, update, options.UpdateOne().SetUpsert(true)); err != nil {
		return fmt.Errorf("list notification %s for the relay: %w", id, err)
	}
	return nil
}

// PendingRelay returns up to limit ids of notifications whose sent event
// was stored by a process that hands its events to no relay (forRelay).
// It reads the unfinished list, which holds what is in flight, not the
// notifications collection. Pass it to the relay as
// outbox.MongoOptions.Pending; Relayed drops the entries it relayed.
func (r *Notifications) PendingRelay(ctx context.Context, limit int) ([]any, error) {
	opts := options.Find().SetLimit(int64(limit)).SetProjection(bson.M{"_id": 1})
	cur, err := r.unfinished.Find(ctx, bson.M{relayField: true}, opts)
	if err != nil {
		return nil, fmt.Errorf("find notifications for the relay: %w", err)
	}
	var entries []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &entries); err != nil {
		return nil, fmt.Errorf("read notifications for the relay: %w", err)
	}
	ids := make([]any, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	return ids, nil
}
