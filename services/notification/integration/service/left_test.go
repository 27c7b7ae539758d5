package service_test

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/schemas"
	mongorepo "github.com/eventshop/eventshop/services/notification/internal/adapters/mongo"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
	"github.com/eventshop/eventshop/testkit"
)

// leftLease is the lease of the rounds the tests below leave behind.
const leftLease = 2 * time.Second

// leave stores a new notification of order claimed for leftLease, through
// the repository, as a process that recorded it and stopped before its
// first round leaves it. Its relay is none: nothing of it is relayed.
func (h *harness) leave(order string) domain.Notification {
	h.t.Helper()
	now := time.Now().UTC()
	n, err := domain.New(domain.Final{OrderID: order, CustomerID: "carol", Kind: domain.KindConfirmed,
		TotalCents: 900, Currency: "EUR"}, now)
	if err != nil {
		h.t.Fatal(err)
	}
	_ = n.Postpone(now.Add(leftLease)) // claimed for its first round, as Record stores it
	if _, err := mongorepo.NewNotifications(h.coll, nil).Add(h.t.Context(), n, "ev-"+order); err != nil {
		h.t.Fatalf("store notification: %v", err)
	}
	return n
}

// unfinished counts the entries of the list of unfinished notifications.
func (h *harness) unfinished(id string) int64 {
	h.t.Helper()
	n, err := h.coll.Database().Collection(mongorepo.Unfinished).CountDocuments(h.t.Context(), bson.M{"_id": id})
	if err != nil {
		h.t.Fatalf("count unfinished: %v", err)
	}
	return n
}

// TestRoundLeftByAStoppedProcessIsDeliveredOnceItsLeaseEnds stores a
// notification as a process that stopped in its first round leaves it,
// while the service runs and after its start: the running service
// delivers it when the lease ends, announces it, and drops it from the
// list of unfinished notifications.
func TestRoundLeftByAStoppedProcessIsDeliveredOnceItsLeaseEnds(t *testing.T) {
	t.Parallel()
	h := start(t)
	order := newOrderID(t)
	h.leave(order)
	if got := h.unfinished(order); got != 1 {
		t.Fatalf("entries of the left notification = %d, want 1", got)
	}
	got := h.waitStatus(order, "SENT")
	if got.Attempts != 1 || got.Channel != "log" {
		t.Errorf("stored notification = %+v, want SENT through log after one round", got)
	}
	testkit.Eventually(t, waitFor, func() bool { return h.sentEvents(order) == 1 }, "no notification.sent.v1 for %s", order)
	testkit.Eventually(t, waitFor, func() bool { return h.unfinished(order) == 0 }, "the delivered notification is still listed unfinished")
}

// TestSentEventLeftByAStoppedProcessIsPublished stores a notification as
// a process leaves it that delivered it, stored it SENT with its sent
// event, and stopped before its relay published the event: the running
// service publishes the event, once its lease ends, and drops the
// notification from the list of unfinished notifications.
func TestSentEventLeftByAStoppedProcessIsPublished(t *testing.T) {
	t.Parallel()
	h := start(t)
	order := newOrderID(t)
	n := h.leave(order)
	if err := n.Delivered("log", time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	ev, err := event.New("notification", schemas.TypeNotificationSentV1, order, schemas.NotificationSentV1{
		NotificationID: order, OrderID: order, CustomerID: "carol", Kind: string(n.Kind()), Channel: "log"})
	if err != nil {
		t.Fatal(err)
	}
	ev.TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" // a first round's trace
	if err := mongorepo.NewNotifications(h.coll, nil).MarkSent(t.Context(), n, ev); err != nil {
		t.Fatalf("mark sent: %v", err)
	}
	testkit.Eventually(t, waitFor, func() bool { return h.sentEvents(order) == 1 }, "the left sent event was not published")
	testkit.Eventually(t, waitFor, func() bool { return h.unfinished(order) == 0 }, "the announced notification is still listed unfinished")
	var doc struct {
		Outbox []bson.M `bson:"outbox"`
	}
	if err := h.coll.FindOne(t.Context(), bson.M{"_id": order}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Outbox) != 0 {
		t.Errorf("outbox after publishing = %v, want empty", doc.Outbox)
	}
}
