package inbox_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/inbox"
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

type counted struct {
	ID     string   `bson:"_id"`
	Count  int      `bson:"count"`
	Inbox  []string `bson:"inbox"`
	Outbox []bson.M `bson:"outbox"`
}

func TestMongoApplyAppliesEachEventOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		exists bool
	}{
		{"document created by the first event", false},
		{"document existing before", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			coll := collection(t)
			if tc.exists {
				if _, err := coll.InsertOne(t.Context(), bson.M{"_id": "doc", "count": 0}); err != nil {
					t.Fatalf("insert: %v", err)
				}
			}
			msgs := messages(t, 2)
			first, second := msgs[0].Event.ID, msgs[1].Event.ID
			var applied []bool
			for _, id := range []string{first, first, second, first, second} {
				ok, err := inbox.MongoApply(t.Context(), coll, bson.M{"_id": "doc"}, id, bson.M{"$inc": bson.M{"count": 1}})
				if err != nil {
					t.Fatalf("apply %s: %v", id, err)
				}
				applied = append(applied, ok)
			}
			if diff := cmp.Diff([]bool{true, false, true, false, false}, applied); diff != "" {
				t.Errorf("applied (-want +got):\n%s", diff)
			}
			var got counted
			if err := coll.FindOne(t.Context(), bson.M{"_id": "doc"}).Decode(&got); err != nil {
				t.Fatalf("find: %v", err)
			}
			want := counted{ID: "doc", Count: 2, Inbox: []string{first, second}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("document (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMongoApplyKeepsTheCallersPush records the event and queues an outbox
// event in the one update, as the notification service does.
func TestMongoApplyKeepsTheCallersPush(t *testing.T) {
	t.Parallel()
	coll, msgs := collection(t), messages(t, 2)
	update := bson.M{
		"$inc":  bson.M{"count": 1},
		"$push": bson.M{outbox.MongoField: bson.M{"$each": outbox.MongoEvents(msgs[1].Event)}},
	}
	for range 2 {
		if _, err := inbox.MongoApply(t.Context(), coll, bson.M{"_id": "doc"}, msgs[0].Event.ID, update); err != nil {
			t.Fatalf("apply: %v", err)
		}
	}
	var got counted
	if err := coll.FindOne(t.Context(), bson.M{"_id": "doc"}).Decode(&got); err != nil {
		t.Fatalf("find: %v", err)
	}
	if got.Count != 1 || len(got.Outbox) != 1 || got.Outbox[0]["id"] != msgs[1].Event.ID {
		t.Errorf("document = %+v, want count 1 and one outbox event %s", got, msgs[1].Event.ID)
	}
	if diff := cmp.Diff([]string{msgs[0].Event.ID}, got.Inbox); diff != "" {
		t.Errorf("inbox (-want +got):\n%s", diff)
	}
}
