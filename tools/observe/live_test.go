package observe_test

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// statusEvent is the data of a "status" event.
type statusEvent struct {
	ID, Status, Reason string
}

// busEvent is the data of a "timeline" or admin "event" event.
type busEvent struct {
	ID, Type, Source, Subject string
	TraceID                   string `json:"trace_id"`
}

// TestOrderStreamDeliversConfirmedToAClientConnectedBeforeTheSagaFinished
// holds a saga open by stopping payment, connects to the order's stream
// through the gateway while the order is PENDING, starts payment again and
// waits on the same connection, without asking again, for CONFIRMED.
func TestOrderStreamDeliversConfirmedToAClientConnectedBeforeTheSagaFinished(t *testing.T) {
	payment := platform.stack.Procs["payment"]
	payment.Stop(context.Background(), 15*time.Second)
	restarted := false
	restart := func() {
		if restarted {
			return
		}
		restarted = true
		if err := payment.Start(); err != nil {
			t.Fatalf("restart payment: %v", err)
		}
		if err := platform.stack.WaitReady(testContext(t), "payment"); err != nil {
			t.Fatalf("payment after restart: %v", err)
		}
	}
	t.Cleanup(restart)

	o := place(t, "alice", "tok_visa")
	status, s := openStream(t, "alice", "/api/v1/orders/"+o.ID+"/events")
	if status != http.StatusOK {
		t.Fatalf("alice's stream of her order: status %d, want 200", status)
	}
	first := s.next(t)
	if first.Name != "status" || decode[statusEvent](t, first).Status != "PENDING" {
		t.Fatalf("first event = %+v, want the PENDING status", first)
	}

	restart()
	seen := s.until(t, func(ev sseEvent) bool {
		return ev.Name == "status" && decode[statusEvent](t, ev).Status == "CONFIRMED"
	})
	confirmedEntry := false
	for _, ev := range seen {
		if ev.Name == "timeline" && decode[busEvent](t, ev).Type == "order.confirmed.v1" {
			confirmedEntry = ev.ID != ""
		}
	}
	if !confirmedEntry {
		t.Errorf("no order.confirmed.v1 timeline entry with an id before the CONFIRMED status: %+v", seen)
	}
}

// TestOrderStreamIsRefusedToOthers checks that another customer's stream of
// an order is the 404 the order itself is, and that a stream needs a token.
func TestOrderStreamIsRefusedToOthers(t *testing.T) {
	o := place(t, "alice", "tok_visa")
	path := "/api/v1/orders/" + o.ID + "/events"
	if status, _ := openStream(t, "bob", path); status != http.StatusNotFound {
		t.Errorf("bob's stream of alice's order: status %d, want 404", status)
	}
	if status, _ := openStream(t, "admin", path); status != http.StatusOK {
		t.Errorf("admin's stream of alice's order: status %d, want 200", status)
	}
	req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, platform.stack.URL("gateway")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("stream without a token: status %d, want 401", res.StatusCode)
	}
}

// TestAdminStreamFiltersByType follows the bus filtered to one event type
// while an order runs its saga: the order's earlier events (placed,
// reserved, authorised) are published first and must not come through.
func TestAdminStreamFiltersByType(t *testing.T) {
	if status, _ := openStream(t, "alice", "/api/v1/admin/events"); status != http.StatusForbidden {
		t.Errorf("a customer's admin stream: status %d, want 403", status)
	}
	status, s := openStream(t, "admin", "/api/v1/admin/events?type=order.confirmed.v1&service=order")
	if status != http.StatusOK {
		t.Fatalf("admin stream: status %d, want 200", status)
	}
	o := place(t, "alice", "tok_visa")
	seen := s.until(t, func(ev sseEvent) bool { return decode[busEvent](t, ev).Subject == o.ID })
	for _, ev := range seen {
		if got := decode[busEvent](t, ev); ev.Name != "event" || got.Type != "order.confirmed.v1" || got.Source != "order" {
			t.Errorf("event %s %+v came through a filter on order.confirmed.v1 from order", ev.Name, got)
		}
	}
}
