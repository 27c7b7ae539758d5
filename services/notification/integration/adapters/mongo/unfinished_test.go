package mongo_test

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/schemas"
	mongorepo "github.com/eventshop/eventshop/services/notification/internal/adapters/mongo"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

func listed(t *testing.T, coll *mongo.Collection) int64 {
	t.Helper()
	n, err := coll.Database().Collection(mongorepo.Unfinished).CountDocuments(t.Context(), bson.M{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestListUnsentListsWhatWasStoredUnlisted stores an unsent notification
// without its entry, as before the list existed: Due does not see it
// until ListUnsent lists it, once.
func TestListUnsentListsWhatWasStoredUnlisted(t *testing.T) {
	t.Parallel()
	r, coll := repo(t)
	_, err := coll.InsertOne(t.Context(), bson.M{"_id": "unlisted", "customer_id": "alice", "kind": "order.confirmed",
		"status": "PENDING", "attempts": 0, "created_at": t0, "next_attempt_at": t0})
	if err != nil {
		t.Fatal(err)
	}
	if due, err := r.Due(t.Context(), t0, 10); err != nil || len(due) != 0 {
		t.Fatalf("due before listing = %d, %v; want none", len(due), err)
	}
	for i, want := range []int{1, 0} {
		if got, err := r.ListUnsent(t.Context()); err != nil || got != want {
			t.Fatalf("ListUnsent #%d = %d, %v; want %d", i+1, got, err, want)
		}
	}
	if due, err := r.Due(t.Context(), t0, 10); err != nil || len(due) != 1 || due[0].ID() != "unlisted" {
		t.Fatalf("due after listing = %v, %v; want the unlisted notification", due, err)
	}
}

// TestUnfinishedEntryLastsUntilTheSentEventIsRelayed follows one entry:
// listed by Add, kept while the sent event waits in the outbox (Due finds
// nothing to deliver), and dropped by Relayed.
func TestUnfinishedEntryLastsUntilTheSentEventIsRelayed(t *testing.T) {
	t.Parallel()
	r, coll := repo(t)
	n := notification(t, "alice", domain.KindConfirmed, t0)
	if _, err := r.Add(t.Context(), n, "ev"); err != nil {
		t.Fatal(err)
	}
	if got := listed(t, coll); got != 1 {
		t.Fatalf("entries after Add = %d, want 1", got)
	}
	if err := n.Delivered("log", t0); err != nil {
		t.Fatal(err)
	}
	ev, err := event.New("notification", schemas.TypeNotificationSentV1, n.ID(), schemas.NotificationSentV1{
		NotificationID: n.ID(), OrderID: n.ID(), CustomerID: "alice", Kind: string(n.Kind()), Channel: "log"})
	if err != nil {
		t.Fatal(err)
	}
	ev.TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" // a first round's trace
	if err := r.MarkSent(t.Context(), n, ev); err != nil {
		t.Fatal(err)
	}
	if due, err := r.Due(t.Context(), t0.Add(time.Hour), 10); err != nil || len(due) != 0 {
		t.Fatalf("due after SENT = %d, %v; want none", len(due), err)
	}
	if got := listed(t, coll); got != 1 {
		t.Fatalf("entries while the sent event waits = %d, want 1", got)
	}
	if err := r.Relayed(t.Context(), []any{n.ID()}); err != nil {
		t.Fatal(err)
	}
	if got := listed(t, coll); got != 0 {
		t.Errorf("entries after Relayed = %d, want 0", got)
	}
}
