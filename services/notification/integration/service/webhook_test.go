package service_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/notification/internal/service"
	"github.com/eventshop/eventshop/testkit"
)

// receiver is a webhook endpoint that fails its first failures requests.
type receiver struct {
	mu       sync.Mutex
	failures int
	status   int
	bodies   []map[string]string
	keys     []string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var body map[string]string
	_ = json.NewDecoder(req.Body).Decode(&body)
	r.bodies = append(r.bodies, body)
	r.keys = append(r.keys, req.Header.Get("Idempotency-Key"))
	if len(r.bodies) <= r.failures {
		w.WriteHeader(r.status)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies)
}

func webhook(t *testing.T, r *receiver, tune func(*service.Config)) func(*service.Config) {
	t.Helper()
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return func(c *service.Config) {
		c.Channel, c.WebhookURL = service.ChannelWebhook, srv.URL
		if tune != nil {
			tune(c)
		}
	}
}

// TestWebhookFailuresAreRetriedUntilSent fails two rounds of a
// notification: the worker wakes for each retry when it falls due, for its
// sweep for rounds other processes left is an hour away.
//
// Not parallel: the breaker gauge is process-wide and shared by the webhook tests.
func TestWebhookFailuresAreRetriedUntilSent(t *testing.T) {
	r := &receiver{failures: 4, status: http.StatusBadGateway}
	// two attempts per round: rounds one and two fail, round three succeeds
	h := start(t, webhook(t, r, func(c *service.Config) { c.PollInterval = time.Hour }))
	order := newOrderID(t)
	h.publish(h.final(schemas.TypeOrderConfirmedV1, order, "alice"))
	got := h.waitStatus(order, "SENT")
	if got.Attempts != 3 || got.Channel != "webhook" {
		t.Errorf("attempts, channel = %d, %q, want 3 rounds through webhook", got.Attempts, got.Channel)
	}
	if n := r.requests(); n != 5 {
		t.Errorf("webhook requests = %d, want 5", n)
	}
	r.mu.Lock()
	last, key := r.bodies[len(r.bodies)-1], r.keys[len(r.keys)-1]
	r.mu.Unlock()
	if last["order_id"] != order || last["kind"] != "order.confirmed" || key != order {
		t.Errorf("webhook body %v with Idempotency-Key %q, want order %s confirmed", last, key, order)
	}
	testkit.Eventually(t, waitFor, func() bool { return h.sentEvents(order) == 1 }, "no notification.sent.v1")
}

// Not parallel: the breaker gauge is process-wide and shared by the webhook tests.
func TestBreakerOpensWhenWebhookIsDown(t *testing.T) {
	r := &receiver{failures: 1 << 30, status: http.StatusServiceUnavailable}
	h := start(t, webhook(t, r, func(c *service.Config) { c.BreakerTripAfter = 3 }))
	order := newOrderID(t)
	h.publish(h.final(schemas.TypeOrderCancelledV1, order, "alice"))
	testkit.Eventually(t, waitFor, func() bool { return h.breakerState("notification-webhook") == "open" },
		"breaker never opened")
	if m := h.text("/metrics"); !strings.Contains(m, `eventshop_breaker_state{breaker="notification-webhook",service="notification"} 2`) {
		t.Errorf("/metrics lacks the open breaker state")
	}
	if n := r.requests(); n != 3 {
		t.Errorf("webhook requests = %d, want 3 before the breaker opened", n)
	}
	docs := h.documents(order)
	if len(docs) != 1 || docs[0].Status == "SENT" {
		t.Errorf("notification = %+v, want one unsent", docs)
	}
	if n := h.sentEvents(order); n != 0 {
		t.Errorf("notification.sent.v1 events = %d, want 0", n)
	}
}
