package service_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/testkit"
)

func TestConfirmedOrderIsStoredDeliveredAndAnnounced(t *testing.T) {
	t.Parallel()
	h := start(t)
	order := newOrderID(t)
	h.publish(h.final(schemas.TypeOrderConfirmedV1, order, "alice"))
	got := h.waitStatus(order, "SENT")
	want := stored{ID: order, CustomerID: "alice", Kind: "order.confirmed", Status: "SENT", Attempts: 1, Channel: "log"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored notification (-want +got):\n%s", diff)
	}
	testkit.Eventually(t, waitFor, func() bool { return h.sentEvents(order) == 1 }, "no notification.sent.v1 for %s", order)
	testkit.Eventually(t, waitFor, func() bool {
		return strings.Contains(h.text("/metrics"), `eventshop_notification_deliveries_total{kind="order.confirmed",result="sent",service="notification"}`)
	}, "/metrics lacks the sent notification")
}

// TestFinalEventsRepeatedKeepOneNotification delivers the same event again
// and, once its notification is stored, another final event of the same
// order: neither adds a notification, changes the first or announces it
// again. The later event waits for the first to be stored because the
// events of one batch are recorded in no particular order.
func TestFinalEventsRepeatedKeepOneNotification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		first string
		later []string
	}{
		{"same event twice", schemas.TypeOrderConfirmedV1, nil},
		{"cancel after confirm", schemas.TypeOrderConfirmedV1, []string{schemas.TypeOrderCancelledV1}},
		{"reject then cancel", schemas.TypeOrderRejectedV1, []string{schemas.TypeOrderCancelledV1}},
	}
	h := start(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			order := newOrderID(t)
			first := h.final(tc.first, order, "alice")
			h.publish(first)
			h.publish(first)
			sent := h.waitStatus(order, "SENT")
			for _, typ := range tc.later {
				h.publish(h.final(typ, order, "alice"))
			}
			h.settled()
			testkit.Eventually(t, waitFor, func() bool { return h.sentEvents(order) >= 1 }, "no sent event")
			if got := h.documents(order); len(got) != 1 || got[0] != sent || got[0].Kind != strings.TrimSuffix(tc.first, ".v1") {
				t.Errorf("documents = %+v, want one %s notification", got, tc.first)
			}
			if n := h.sentEvents(order); n != 1 {
				t.Errorf("notification.sent.v1 events = %d, want 1", n)
			}
		})
	}
}

func TestListShowsOnlyTheCallersNotificationsNewestFirst(t *testing.T) {
	t.Parallel()
	h := start(t)
	first, second, bobs := newOrderID(t), newOrderID(t), newOrderID(t)
	// Newest is the later recorded: alice's second order is published only
	// once her first is stored, as events in one batch are recorded in no
	// particular order.
	h.publish(h.final(schemas.TypeOrderConfirmedV1, first, "alice"))
	h.publish(h.final(schemas.TypeOrderCancelledV1, bobs, "bob"))
	h.waitStatus(first, "SENT")
	h.publish(h.final(schemas.TypeOrderRejectedV1, second, "alice"))
	for _, id := range []string{second, bobs} {
		h.waitStatus(id, "SENT")
	}
	ignoreTimes := cmpopts.IgnoreFields(item{}, "CreatedAt", "SentAt", "Subject", "Body")
	want := map[string][]item{
		"alice": {
			{ID: second, OrderID: second, Kind: "order.rejected", Status: "SENT"},
			{ID: first, OrderID: first, Kind: "order.confirmed", Status: "SENT"},
		},
		"bob": {{ID: bobs, OrderID: bobs, Kind: "order.cancelled", Status: "SENT"}},
	}
	for user, items := range want {
		got := h.list(user)
		if diff := cmp.Diff(items, got, ignoreTimes); diff != "" {
			t.Errorf("%s's notifications (-want +got):\n%s", user, diff)
		}
		for _, it := range got {
			if it.SentAt == nil || it.CreatedAt.IsZero() || it.Subject == "" || !strings.Contains(it.Body, it.OrderID) {
				t.Errorf("%s's notification %s lacks times or text: %+v", user, it.ID, it)
			}
		}
	}
}

func TestListNeedsACustomer(t *testing.T) {
	t.Parallel()
	h := start(t)
	tests := []struct {
		user string
		want int
	}{
		{"", http.StatusUnauthorized},
		{"admin", http.StatusForbidden},
		{"alice", http.StatusOK},
	}
	for _, tc := range tests {
		if got := h.get("/api/v1/notifications", tc.user, nil); got != tc.want {
			t.Errorf("GET as %q: status %d, want %d", tc.user, got, tc.want)
		}
	}
}

func TestReadyChecksMongoAndNATS(t *testing.T) {
	t.Parallel()
	h := start(t)
	var body map[string]string
	if status := h.get("/readyz", "", &body); status != http.StatusOK {
		t.Fatalf("/readyz: status %d", status)
	}
	if diff := cmp.Diff(map[string]string{"mongo": "ok", "nats": "ok", "startup": "ok"}, body); diff != "" {
		t.Errorf("/readyz (-want +got):\n%s", diff)
	}
}
