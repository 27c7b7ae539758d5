// Package migrations prepares the notification service's MongoDB database.
// MongoDB has no schema to migrate; what a PostgreSQL service keeps in SQL
// files is here the collection's indexes, created at every start. Creating an
// index that exists with the same keys and name does nothing, so it is
// idempotent and safe for several replicas starting at once.
package migrations

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Indexes are the notifications collection's indexes.
func Indexes() []mongo.IndexModel {
	return []mongo.IndexModel{
		// the customer's listing, newest first
		{Keys: bson.D{{Key: "customer_id", Value: 1}, {Key: "created_at", Value: -1}},
			Options: options.Index().SetName("customer_created")},
		// the start-up query for unsent notifications
		{Keys: bson.D{{Key: "status", Value: 1}, {Key: "next_attempt_at", Value: 1}},
			Options: options.Index().SetName("status_next_attempt")},
		// the outbox relay's query for documents with pending events
		{Keys: bson.D{{Key: "outbox.0", Value: 1}}, Options: options.Index().SetName("outbox_pending")},
	}
}

// UnfinishedIndexes are the indexes of the list of unfinished
// notifications (the repository's Unfinished collection).
func UnfinishedIndexes() []mongo.IndexModel {
	return []mongo.IndexModel{
		// the delivery worker's query for due notifications
		{Keys: bson.D{{Key: "due_at", Value: 1}}, Options: options.Index().SetName("due")},
	}
}

// Apply creates the indexes of the notifications collection coll and of
// the unfinished list, which it creates too, one at a time: FerretDB v1
// drops the connection when one createIndexes command names several
// indexes that all exist already, as they do at every start but the first.
func Apply(ctx context.Context, coll, unfinished *mongo.Collection) error {
	if err := create(ctx, coll, Indexes()); err != nil {
		return err
	}
	return create(ctx, unfinished, UnfinishedIndexes())
}

func create(ctx context.Context, coll *mongo.Collection, models []mongo.IndexModel) error {
	for _, m := range models {
		if _, err := coll.Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("create indexes of %s: %w", coll.Name(), err)
		}
	}
	return nil
}
