package testkit_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/testkit"
)

type note struct {
	ID     string `bson:"_id"`
	Status string `bson:"status"`
	Seen   int    `bson:"seen"`
}

func TestMongoInsertFindAndConditionalUpsert(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	client, err := mongo.Connect(options.Client().ApplyURI(testkit.Mongo(t)))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	coll := client.Database(testkit.MongoDatabase(t)).Collection("notes")

	if _, err := coll.InsertOne(ctx, note{ID: "a", Status: "pending"}); err != nil {
		t.Fatalf("insert: %v", err)
	}
	// Conditional upserts: the first matches "a" while pending, the second
	// creates "b", the third does not match "a" any more (and must not
	// insert a duplicate _id, so it is not an upsert).
	steps := []struct {
		filter bson.M
		upsert bool
	}{
		{bson.M{"_id": "a", "status": "pending"}, true},
		{bson.M{"_id": "b"}, true},
		{bson.M{"_id": "a", "status": "pending"}, false},
	}
	for _, s := range steps {
		update := bson.M{"$set": bson.M{"status": "sent"}, "$inc": bson.M{"seen": 1}}
		if _, err := coll.UpdateOne(ctx, s.filter, update, options.UpdateOne().SetUpsert(s.upsert)); err != nil {
			t.Fatalf("update %v: %v", s.filter, err)
		}
	}

	cur, err := coll.Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	var got []note
	if err := cur.All(ctx, &got); err != nil {
		t.Fatalf("decode: %v", err)
	}
	want := []note{{ID: "a", Status: "sent", Seen: 1}, {ID: "b", Status: "sent", Seen: 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("documents (-want +got):\n%s", diff)
	}
}

func TestMongoDatabaseIsUnique(t *testing.T) {
	t.Parallel()
	a, b := testkit.MongoDatabase(t), testkit.MongoDatabase(t)
	if a == b {
		t.Errorf("both calls returned %q", a)
	}
}
