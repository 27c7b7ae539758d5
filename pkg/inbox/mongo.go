package inbox

import (
	"context"
	"fmt"
	"maps"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// MongoField is the document field that lists the ids of the events applied
// to the document.
const MongoField = "inbox"

// MongoApply applies update to the one document that filter selects, unless
// eventID was already applied to it, and reports whether it did. The event id
// is pushed to the document's inbox array in the same update, and the filter
// requires the id to be absent, so a redelivery matches nothing. A missing
// document is created (upsert); when the document exists with the id
// recorded, the upsert's insert hits the _id and is reported as already
// applied. Filter therefore has to select by _id. The array is not trimmed
// (FerretDB has no $slice), which suits documents that see a handful of events.
func MongoApply(ctx context.Context, coll *mongo.Collection, filter bson.M, eventID string, update bson.M) (bool, error) {
	f := maps.Clone(filter)
	f[MongoField] = bson.M{"$ne": eventID}
	u, err := withInboxPush(update, eventID)
	if err != nil {
		return false, err
	}
	res, err := coll.UpdateOne(ctx, f, u, options.UpdateOne().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("apply %s: %w", eventID, err)
	}
	return res.ModifiedCount > 0 || res.UpsertedCount > 0, nil
}

// withInboxPush adds {$push: {inbox: eventID}} to a copy of update, keeping
// any other $push of the caller (such as the outbox's).
func withInboxPush(update bson.M, eventID string) (bson.M, error) {
	u := maps.Clone(update)
	if u == nil {
		u = bson.M{}
	}
	push := bson.M{}
	switch p := u["$push"].(type) {
	case nil:
	case bson.M:
		push = maps.Clone(p)
	case map[string]any:
		push = maps.Clone(p)
	default:
		return nil, fmt.Errorf("inbox: $push must be a bson.M, got %T", p)
	}
	if _, taken := push[MongoField]; taken {
		return nil, fmt.Errorf("inbox: update already pushes to %q", MongoField)
	}
	push[MongoField] = eventID
	u["$push"] = push
	return u, nil
}
