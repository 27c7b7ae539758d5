package service_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/startup"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/payment/internal/service"
	"github.com/eventshop/eventshop/services/provider/simulator"
	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

const (
	secret  = "payment-test-secret"
	waitFor = 20 * time.Second
)

// harness is a running payment service with its provider, and a bus
// connection to publish saga events and read the payment stream.
type harness struct {
	t    *testing.T
	sim  *simulator.Simulator
	bus  *bus.Bus
	base string
	held *atomic.Int32 // authorisation requests the gate has held (startGated)
}

// start runs the service; tune changes its configuration before it starts.
func start(t *testing.T, tune ...func(*service.Config)) *harness {
	t.Helper()
	return startGated(t, nil, tune...)
}

// startGated is start with authorisation requests held at the provider's
// door until gate is closed (nil holds nothing).
func startGated(t *testing.T, gate chan struct{}, tune ...func(*service.Config)) *harness {
	t.Helper()
	log := slog.New(slog.NewTextHandler(logOut(), nil))
	sim, err := simulator.New(simulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	held := &atomic.Int32{}
	provider := httptest.NewServer(gated(sim, gate, held))
	t.Cleanup(provider.Close)
	nats := testkit.NATS(t)
	cfg := service.Config{
		DatabaseURL: testkit.Postgres(t),
		Common: startup.Common{NATSURL: nats.URL(),
			Auth: auth.Config{Secret: secret, Issuer: "eventshop", Audience: "eventshop-api"}},
		ProviderURL: provider.URL, ProviderTimeout: 200 * time.Millisecond, ProviderAttempts: 2,
		ProviderBackoff: time.Millisecond, BreakerTripAfter: 100, BreakerOpenFor: time.Minute, ProviderParallel: 4,
	}
	for _, f := range tune {
		f(&cfg)
	}
	svc, err := service.New(t.Context(), cfg, log)
	if err != nil {
		t.Fatalf("start service: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	testkit.WaitReady(t, "http://"+ln.Addr().String(), 30*time.Second)
	b, err := bus.Connect(t.Context(), nats.URL(), "payment-test", log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return &harness{t: t, sim: sim, bus: b, base: "http://" + ln.Addr().String(), held: held}
}

// publish emits one saga event about orderID.
func (h *harness) publish(source, typ, orderID string, payload any) {
	h.t.Helper()
	ev, err := event.New(source, typ, orderID, payload)
	if err != nil {
		h.t.Fatalf("build %s: %v", typ, err)
	}
	if err := h.bus.Publish(h.t.Context(), ev); err != nil {
		h.t.Fatalf("publish %s: %v", typ, err)
	}
}

func (h *harness) reserved(orderID, token string, total int64) {
	h.publish("inventory", schemas.TypeInventoryReservedV1, orderID, schemas.InventoryReservedV1{
		OrderID: orderID, CustomerID: "alice", Items: []schemas.Line{{SKU: "sku-1", Quantity: 1, PriceCents: total}},
		TotalCents: total, Currency: "EUR", PaymentMethod: token,
	})
}

func (h *harness) confirmed(orderID string, total int64) {
	h.publish("order", schemas.TypeOrderConfirmedV1, orderID, schemas.OrderConfirmedV1{
		OrderID: orderID, CustomerID: "alice", Items: []schemas.Line{{SKU: "sku-1", Quantity: 1, PriceCents: total}},
		TotalCents: total, Currency: "EUR",
	})
}

func (h *harness) cancelled(orderID, reason string) {
	h.publish("order", schemas.TypeOrderCancelledV1, orderID, schemas.OrderCancelledV1{
		OrderID: orderID, CustomerID: "alice", Reason: reason,
	})
}

// events counts the payment events of an order by type.
func (h *harness) events(orderID string) map[string]uint64 {
	h.t.Helper()
	stream, err := h.bus.JetStream().Stream(h.t.Context(), "PAYMENT")
	if err != nil {
		h.t.Fatalf("payment stream: %v", err)
	}
	info, err := stream.Info(h.t.Context(), jetstream.WithSubjectFilter("payment.*.*."+orderID))
	if err != nil {
		h.t.Fatalf("stream info: %v", err)
	}
	out := map[string]uint64{}
	for subject, n := range info.State.Subjects {
		out[strings.TrimSuffix(subject, "."+orderID)] = n
	}
	return out
}

// waitEvent waits until the order has an event of typ and returns its payload.
func (h *harness) waitEvent(orderID, typ string) map[string]any {
	h.t.Helper()
	testkit.Eventually(h.t, waitFor, func() bool { return h.events(orderID)[typ] > 0 }, "no %s for %s", typ, orderID)
	stream, err := h.bus.JetStream().Stream(h.t.Context(), "PAYMENT")
	if err != nil {
		h.t.Fatal(err)
	}
	msg, err := stream.GetLastMsgForSubject(h.t.Context(), typ+"."+orderID)
	if err != nil {
		h.t.Fatalf("read %s: %v", typ, err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(msg.Data, &out); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// settled waits until the durable consumer has nothing pending or unacked.
func (h *harness) settled(stream, durable string) {
	h.t.Helper()
	testkit.Settled(h.t, h.bus.JetStream(), stream, durable, waitFor)
}

// payment is one item of the admin listing.
type payment struct {
	OrderID     string `json:"order_id"`
	Status      string `json:"status"`
	AmountCents int64  `json:"amount_cents"`
}

// get calls the service as user and decodes a JSON answer.
func (h *harness) get(path, user string, out any) int {
	h.t.Helper()
	var tok string
	if user != "" {
		var err error
		if tok, err = auth.NewIssuer(auth.Config{Secret: secret}, time.Minute).Token(user); err != nil {
			h.t.Fatalf("token: %v", err)
		}
	}
	return testkit.GetJSON(h.t, h.base+path, tok, out)
}

// text fetches an unauthenticated plain-text route such as /metrics.
func (h *harness) text(path string) string {
	h.t.Helper()
	return testkit.GetText(h.t, h.base+path)
}

// payments returns the admin listing for query (e.g. "?status=CAPTURED").
func (h *harness) payments(query string) []payment {
	h.t.Helper()
	var body struct {
		Items []payment `json:"items"`
	}
	if status := h.get("/api/v1/admin/payments"+query, "admin", &body); status != http.StatusOK {
		h.t.Fatalf("admin payments: status %d", status)
	}
	return body.Items
}

func newOrderID(t *testing.T) string {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

// logOut is where the service logs in tests: nowhere, unless
// PAYMENT_TEST_LOG is set.
func logOut() io.Writer {
	if os.Getenv("PAYMENT_TEST_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}

// gated holds POST /v1/authorizations until gate is closed.
func gated(next http.Handler, gate chan struct{}, held *atomic.Int32) http.Handler {
	if gate == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/authorizations" {
			held.Add(1)
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
