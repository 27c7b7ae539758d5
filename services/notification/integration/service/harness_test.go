package service_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/startup"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/notification/internal/service"
	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

const (
	secret  = "notification-test-secret"
	waitFor = 20 * time.Second
)

// harness is a running notification service, a bus connection to publish
// order events and read the NOTIFICATION stream, and its collection.
type harness struct {
	t    testing.TB
	bus  *bus.Bus
	coll *mongo.Collection
	base string
}

// start runs the service; tune changes its configuration before it starts.
func start(t testing.TB, tune ...func(*service.Config)) *harness {
	t.Helper()
	cfg := testConfig(t, testkit.NATS(t).URL())
	for _, f := range tune {
		f(&cfg)
	}
	base, _ := serve(t, cfg)
	return connectHarness(t, cfg, base)
}

// testConfig is the tests' configuration of a service on NATS at natsURL
// and a MongoDatabase of the test's own.
func testConfig(t testing.TB, natsURL string) service.Config {
	t.Helper()
	return service.Config{
		MongoURL: testkit.Mongo(t), MongoDatabase: testkit.MongoDatabase(t),
		Common: startup.Common{NATSURL: natsURL,
			Auth: auth.Config{Secret: secret, Issuer: "eventshop", Audience: "eventshop-api"}},
		Channel: service.ChannelLog, SendTimeout: time.Second, SendAttempts: 2, SendBackoff: time.Millisecond,
		MaxAttempts: 5, RetryBackoff: 10 * time.Millisecond, RetryAfter: time.Minute,
		BreakerTripAfter: 100, BreakerOpenFor: time.Minute, PollInterval: 50 * time.Millisecond,
	}
}

// serve runs a service with cfg until stop is called or the test ends,
// and returns its base URL once it is ready. stop shuts it down as a
// signal does and returns once it has.
func serve(t testing.TB, cfg service.Config) (base string, stop func()) {
	t.Helper()
	svc, err := service.New(t.Context(), cfg, slog.New(slog.NewTextHandler(logOut(), nil)))
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
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	base = "http://" + ln.Addr().String()
	testkit.WaitReady(t, base, 30*time.Second)
	return base, stop
}

// connectHarness connects to the NATS and MongoDB of cfg, for the service
// serving at base.
func connectHarness(t testing.TB, cfg service.Config, base string) *harness {
	t.Helper()
	b, err := bus.Connect(t.Context(), cfg.NATSURL, "notification-test", slog.New(slog.NewTextHandler(logOut(), nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	client, err := mongo.Connect(options.Client().ApplyURI(cfg.MongoURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	coll := client.Database(cfg.MongoDatabase).Collection("notifications")
	return &harness{t: t, bus: b, coll: coll, base: base}
}

// final builds a final order event of typ for the customer.
func (h *harness) final(typ, orderID, customer string) event.Event {
	h.t.Helper()
	var payload any
	switch typ {
	case schemas.TypeOrderConfirmedV1:
		payload = schemas.OrderConfirmedV1{OrderID: orderID, CustomerID: customer,
			Items: []schemas.Line{{SKU: "sku-1", Quantity: 2, PriceCents: 1250}}, TotalCents: 2500, Currency: "EUR"}
	case schemas.TypeOrderRejectedV1:
		payload = schemas.OrderRejectedV1{OrderID: orderID, CustomerID: customer, Reason: "out_of_stock"}
	default:
		payload = schemas.OrderCancelledV1{OrderID: orderID, CustomerID: customer, Reason: "payment_failed"}
	}
	ev, err := event.New("order", typ, orderID, payload)
	if err != nil {
		h.t.Fatalf("build %s: %v", typ, err)
	}
	return ev
}

// publish emits ev. Each call is a new message, even of the same event: the
// deduplication id is replaced, so JetStream stores it again and the
// consumer sees a redelivery of the same ce-id.
func (h *harness) publish(ev event.Event) {
	h.t.Helper()
	msg := bus.NewMsg(ev)
	msg.Header.Set(jetstream.MsgIDHeader, uuid.NewString())
	if _, err := h.bus.JetStream().PublishMsg(h.t.Context(), msg); err != nil {
		h.t.Fatalf("publish %s: %v", ev.Type, err)
	}
}

// sentEvents counts the notification.sent.v1 events of an order.
func (h *harness) sentEvents(orderID string) uint64 {
	h.t.Helper()
	stream, err := h.bus.JetStream().Stream(h.t.Context(), "NOTIFICATION")
	if err != nil {
		h.t.Fatalf("notification stream: %v", err)
	}
	subject := schemas.TypeNotificationSentV1 + "." + orderID
	info, err := stream.Info(h.t.Context(), jetstream.WithSubjectFilter(subject))
	if err != nil {
		h.t.Fatalf("stream info: %v", err)
	}
	return info.State.Subjects[subject]
}

// stored is the stored document of a notification, as far as tests read it.
type stored struct {
	ID         string `bson:"_id"`
	CustomerID string `bson:"customer_id"`
	Kind       string `bson:"kind"`
	Status     string `bson:"status"`
	Attempts   int    `bson:"attempts"`
	Channel    string `bson:"channel"`
}

// documents returns the stored notifications of an order.
func (h *harness) documents(orderID string) []stored {
	h.t.Helper()
	cur, err := h.coll.Find(h.t.Context(), bson.M{"_id": orderID})
	if err != nil {
		h.t.Fatalf("find: %v", err)
	}
	var out []stored
	if err := cur.All(h.t.Context(), &out); err != nil {
		h.t.Fatalf("read: %v", err)
	}
	return out
}

// waitStatus waits until the order's notification has status and returns it.
func (h *harness) waitStatus(orderID, status string) stored {
	h.t.Helper()
	var last []stored
	testkit.Eventually(h.t, waitFor, func() bool {
		last = h.documents(orderID)
		return len(last) == 1 && last[0].Status == status
	}, "notification of %s never %s", orderID, status)
	return last[0]
}

// settled waits until the orders consumer has nothing pending or unacked.
func (h *harness) settled() {
	h.t.Helper()
	testkit.Settled(h.t, h.bus.JetStream(), "ORDER", "notification-orders", waitFor)
}

// get calls the service as user ("" for anonymous) and decodes a JSON answer.
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

// item is one notification of the listing.
type item struct {
	ID        string     `json:"id"`
	OrderID   string     `json:"order_id"`
	Kind      string     `json:"kind"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
}

// list returns user's notifications.
func (h *harness) list(user string) []item {
	h.t.Helper()
	var body struct {
		Items []item `json:"items"`
	}
	if status := h.get("/api/v1/notifications", user, &body); status != http.StatusOK {
		h.t.Fatalf("list as %s: status %d", user, status)
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
// NOTIFICATION_TEST_LOG is set.
func logOut() io.Writer {
	if os.Getenv("NOTIFICATION_TEST_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}

// breakerState reads a breaker's state from /internal/breakers.
func (h *harness) breakerState(name string) string {
	h.t.Helper()
	var body struct {
		Items []struct{ Name, State string } `json:"items"`
	}
	h.get("/internal/breakers", "", &body)
	for _, b := range body.Items {
		if strings.EqualFold(b.Name, name) {
			return b.State
		}
	}
	return ""
}
