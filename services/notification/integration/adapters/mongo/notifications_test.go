package mongo_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	mongoevent "go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/schemas"
	mongorepo "github.com/eventshop/eventshop/services/notification/internal/adapters/mongo"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
	"github.com/eventshop/eventshop/services/notification/migrations"
	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// repo returns a repository over a fresh, indexed collection.
func repo(t *testing.T) (*mongorepo.Notifications, *mongo.Collection) {
	t.Helper()
	return repoWith(t, options.Client())
}

// repoWith is repo with the client options opts.
func repoWith(t *testing.T, opts *options.ClientOptions) (*mongorepo.Notifications, *mongo.Collection) {
	t.Helper()
	client, err := mongo.Connect(opts.ApplyURI(testkit.Mongo(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(t.Context()) })
	db := client.Database(testkit.MongoDatabase(t))
	coll := db.Collection(mongorepo.Collection)
	for range 2 { // indexes are idempotent
		if err := migrations.Apply(t.Context(), coll, db.Collection(mongorepo.Unfinished)); err != nil {
			t.Fatal(err)
		}
	}
	return mongorepo.NewNotifications(coll, nil), coll
}

func notification(t *testing.T, customer string, kind domain.Kind, at time.Time) domain.Notification {
	t.Helper()
	n, err := domain.New(domain.Final{OrderID: uuid.NewString(), CustomerID: customer, Kind: kind, Currency: "EUR"}, at)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAddStoresOncePerOrder(t *testing.T) {
	t.Parallel()
	r, _ := repo(t)
	n := notification(t, "alice", domain.KindConfirmed, t0)
	var wg sync.WaitGroup
	created := make([]bool, 8)
	for i := range created {
		wg.Go(func() {
			ok, err := r.Add(t.Context(), n, "ev-"+string(rune('a'+i)))
			if err != nil {
				t.Errorf("add: %v", err)
			}
			created[i] = ok
		})
	}
	wg.Wait()
	winners := 0
	for _, ok := range created {
		if ok {
			winners++
		}
	}
	if winners != 1 {
		t.Errorf("concurrent adds created %d notifications, want 1", winners)
	}
	got, err := r.ListForCustomer(t.Context(), "alice", nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || cmp.Diff(n.Snapshot(), got[0].Snapshot()) != "" {
		t.Errorf("stored %+v, want exactly %+v", got, n.Snapshot())
	}
}

func TestClaimHasOneWinner(t *testing.T) {
	t.Parallel()
	r, _ := repo(t)
	n := notification(t, "alice", domain.KindRejected, t0)
	if _, err := r.Add(t.Context(), n, "ev"); err != nil {
		t.Fatal(err)
	}
	due, err := r.Due(t.Context(), t0, 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due = %d, %v; want the one notification", len(due), err)
	}
	var claims []bool
	for range 2 {
		ok, err := r.Claim(t.Context(), due[0], t0, t0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		claims = append(claims, ok)
	}
	if diff := cmp.Diff([]bool{true, false}, claims); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	if due, _ := r.Due(t.Context(), t0.Add(time.Second), 10); len(due) != 0 {
		t.Errorf("claimed notification still due: %d", len(due))
	}
}

func TestRetryAndSentRounds(t *testing.T) {
	t.Parallel()
	r, coll := repo(t)
	n := notification(t, "bob", domain.KindCancelled, t0)
	if _, err := r.Add(t.Context(), n, "ev"); err != nil {
		t.Fatal(err)
	}
	p := domain.RetryPolicy{MaxAttempts: 1, RetryAfter: time.Hour}
	if err := n.DeliveryFailed("boom", t0, p); err != nil {
		t.Fatal(err)
	}
	if err := r.SaveRetry(t.Context(), n); err != nil {
		t.Fatal(err)
	}
	due, err := r.Due(t.Context(), t0.Add(time.Hour), 10)
	if err != nil || len(due) != 1 || due[0].Status() != domain.StatusFailed || due[0].LastError() != "boom" {
		t.Fatalf("due after an hour = %+v, %v; want the FAILED notification", due, err)
	}
	n = due[0]
	if err := n.Delivered("log", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	ev, err := event.New("notification", schemas.TypeNotificationSentV1, n.ID(), schemas.NotificationSentV1{
		NotificationID: n.ID(), OrderID: n.ID(), CustomerID: "bob", Kind: string(n.Kind()), Channel: "log"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // a second mark finds it SENT and queues nothing
		if err := r.MarkSent(t.Context(), n, ev); err != nil {
			t.Fatal(err)
		}
	}
	var doc struct {
		Status   string   `bson:"status"`
		Attempts int      `bson:"attempts"`
		Outbox   []bson.M `bson:"outbox"`
	}
	if err := coll.FindOne(t.Context(), bson.M{"_id": n.ID()}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Status != "SENT" || doc.Attempts != 2 || len(doc.Outbox) != 1 || doc.Outbox[0]["id"] != ev.ID {
		t.Errorf("document = %+v, want SENT after 2 rounds with the one sent event queued", doc)
	}
	if due, _ := r.Due(t.Context(), t0.Add(48*time.Hour), 10); len(due) != 0 {
		t.Errorf("sent notification still due")
	}
}

// TestMarkSentOfAFirstRoundSkipsTheRead marks a notification sent with an
// event that carries its trace, as a first round does: the update is the
// only command sent, and the event keeps that trace.
func TestMarkSentOfAFirstRoundSkipsTheRead(t *testing.T) {
	t.Parallel()
	var finds atomic.Int32
	monitor := &mongoevent.CommandMonitor{Started: func(_ context.Context, e *mongoevent.CommandStartedEvent) {
		if e.CommandName == "find" {
			finds.Add(1)
		}
	}}
	r, coll := repoWith(t, options.Client().SetMonitor(monitor))
	n := notification(t, "alice", domain.KindConfirmed, t0)
	if _, err := r.Add(t.Context(), n, "ev"); err != nil {
		t.Fatal(err)
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
	before := finds.Load()
	if err := r.MarkSent(t.Context(), n, ev); err != nil {
		t.Fatal(err)
	}
	if got := finds.Load() - before; got != 0 {
		t.Errorf("MarkSent of a first round sent %d finds, want 0", got)
	}
	var doc struct {
		Status string   `bson:"status"`
		Outbox []bson.M `bson:"outbox"`
	}
	if err := coll.FindOne(t.Context(), bson.M{"_id": n.ID()}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Status != "SENT" || len(doc.Outbox) != 1 || doc.Outbox[0]["traceparent"] != ev.TraceParent {
		t.Errorf("document = %+v, want SENT with the sent event and its trace %s queued", doc, ev.TraceParent)
	}
}

func TestListForCustomerIsNewestFirstAndLimited(t *testing.T) {
	t.Parallel()
	r, _ := repo(t)
	var want []string
	for i := range 4 {
		n := notification(t, "alice", domain.KindConfirmed, t0.Add(time.Duration(i)*time.Second))
		if _, err := r.Add(t.Context(), n, "ev"); err != nil {
			t.Fatal(err)
		}
		want = append([]string{n.ID()}, want...)
	}
	if _, err := r.Add(t.Context(), notification(t, "bob", domain.KindConfirmed, t0), "ev"); err != nil {
		t.Fatal(err)
	}
	got, err := r.ListForCustomer(t.Context(), "alice", nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(got))
	for i, n := range got {
		ids[i] = n.ID()
	}
	if diff := cmp.Diff(want[:3], ids); diff != "" {
		t.Errorf("alice's listing (-want +got):\n%s", diff)
	}
}
