package notification_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/testkit"
)

const (
	// lease is the test's NOTIFICATION_LEASE: long enough for a restart
	// to be under way before it ends, short enough for a test.
	lease = 30 * time.Second
	// margin is how long after the lease the left round may take: a
	// correctness bound, not a speed figure.
	margin = 30 * time.Second
	// stored is how many delivered notifications the store holds already.
	stored = 10000
)

// TestRoundOfAKilledProcessIsSentAfterARestart runs the service binary
// over a store of 10,000 delivered notifications, records a notification
// whose first round hangs in the webhook, and kills the process with
// SIGKILL in that round. The store then holds what such a process leaves:
// the notification PENDING, no attempt counted, claimed until the lease
// ends. A restarted binary, started before the lease ends, delivers it
// within the lease plus the margin and announces it once.
func TestRoundOfAKilledProcessIsSentAfterARestart(t *testing.T) {
	mongoURL, db, nats := testkit.Mongo(t), testkit.MongoDatabase(t), testkit.NATS(t)
	coll := notifications(t, mongoURL, db)
	storeDelivered(t, coll, stored)
	hook := newWebhook(t)
	addr := freeAddr(t)
	for k, v := range map[string]string{
		"NOTIFICATION_HTTP_ADDR": addr, "NOTIFICATION_MONGO_URL": mongoURL, "NOTIFICATION_MONGO_DATABASE": db,
		"NOTIFICATION_NATS_URL": nats.URL(), "NOTIFICATION_JWT_SECRET": "killed-test-secret",
		"NOTIFICATION_CHANNEL": "webhook", "NOTIFICATION_WEBHOOK_URL": hook.srv.URL,
		"NOTIFICATION_SEND_TIMEOUT": "10m", "NOTIFICATION_SEND_ATTEMPTS": "1",
		"NOTIFICATION_LEASE": lease.String(),
	} {
		t.Setenv(k, v)
	}

	bin := testkit.BuildBinary(t, "../../..", "./cmd/notification")
	first := testkit.StartBuilt(t, bin)
	testkit.WaitReady(t, "http://"+addr, time.Minute)
	b := connectBus(t, nats.URL())
	orderID := uuid.NewString()
	publishConfirmed(t, b, orderID)
	testkit.Eventually(t, time.Minute, func() bool { return hook.calls(orderID) == 1 }, "the first round never reached the webhook")
	reached := time.Now()
	first.Kill()

	left := readLeft(t, coll, orderID)
	if left.Status != "PENDING" || left.Attempts != 0 || !left.NextAttemptAt.Equal(left.CreatedAt.Add(lease)) {
		t.Fatalf("left by the killed process: %+v, want PENDING, 0 attempts, next round at created_at + %v", left, lease)
	}

	hook.release()
	restart := time.Now()
	testkit.StartBuilt(t, bin)
	testkit.WaitReady(t, "http://"+addr, time.Minute)
	t.Logf("the round reached the webhook %v after its claim, was killed, and the restarted binary was ready %v later",
		reached.Sub(left.CreatedAt), time.Since(restart))
	if time.Now().After(left.NextAttemptAt) {
		t.Fatalf("the restart took longer than the lease (%v): the test shows nothing; raise the lease", lease)
	}
	deadline := time.Until(left.NextAttemptAt.Add(margin))
	testkit.Eventually(t, deadline, func() bool { return readLeft(t, coll, orderID).Status == "SENT" },
		"the killed process's round was not delivered within the lease plus %v", margin)
	testkit.Eventually(t, deadline, func() bool { return sentEvents(t, b, orderID) == 1 }, "no notification.sent event")
	t.Logf("delivered %v after the lease ended", readLeft(t, coll, orderID).SentAt.Sub(left.NextAttemptAt))
	if got := hook.calls(orderID); got != 2 {
		t.Errorf("webhook calls for the order = %d, want 2 (the killed round and the restarted one)", got)
	}
}

// leftState is the part of a stored notification a killed round leaves.
type leftState struct {
	Status        string    `bson:"status"`
	Attempts      int       `bson:"attempts"`
	CreatedAt     time.Time `bson:"created_at"`
	NextAttemptAt time.Time `bson:"next_attempt_at"`
	SentAt        time.Time `bson:"sent_at"`
}

func readLeft(t *testing.T, coll *mongo.Collection, id string) leftState {
	t.Helper()
	var s leftState
	if err := coll.FindOne(t.Context(), bson.M{"_id": id}).Decode(&s); err != nil {
		t.Fatalf("read notification %s: %v", id, err)
	}
	return s
}

func notifications(t *testing.T, url, db string) *mongo.Collection {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(url))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client.Database(db).Collection("notifications")
}

// storeDelivered inserts n SENT notifications as the service stores them,
// a thousand per InsertMany.
func storeDelivered(t *testing.T, coll *mongo.Collection, n int) {
	t.Helper()
	now := time.Now()
	docs := make([]any, 0, 1000)
	for i := range n {
		docs = append(docs, bson.M{"_id": fmt.Sprintf("delivered-%08d", i), "customer_id": "alice",
			"kind": "order.confirmed", "subject": "Your order is confirmed",
			"body":   "Your order of 3 items, 42.00 EUR, is confirmed and on its way.",
			"status": "SENT", "attempts": 1, "channel": "webhook", "created_at": now, "sent_at": now,
			"event_id": uuid.NewString(), "outbox": bson.A{}})
		if len(docs) == cap(docs) || i == n-1 {
			if _, err := coll.InsertMany(t.Context(), docs); err != nil {
				t.Fatalf("insert: %v", err)
			}
			docs = docs[:0]
		}
	}
}

// webhook counts the deliveries per notification id. Until released it
// holds every request open until its client goes away, as a round that is
// killed mid-send sees it; then it accepts them.
type webhook struct {
	srv      *httptest.Server
	mu       sync.Mutex
	seen     map[string]int
	released chan struct{}
	once     sync.Once
}

func newWebhook(t *testing.T) *webhook {
	t.Helper()
	h := &webhook{seen: map[string]int{}, released: make(chan struct{})}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.seen[r.Header.Get("Idempotency-Key")]++
		h.mu.Unlock()
		select {
		case <-h.released:
			w.WriteHeader(http.StatusNoContent)
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() {
		h.release()
		h.srv.Close()
	})
	return h
}

func (h *webhook) release() { h.once.Do(func() { close(h.released) }) }

func (h *webhook) calls(id string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seen[id]
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func connectBus(t *testing.T, url string) *bus.Bus {
	t.Helper()
	b, err := bus.Connect(t.Context(), url, "notification-killed-test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func publishConfirmed(t *testing.T, b *bus.Bus, orderID string) {
	t.Helper()
	ev, err := event.New("order", schemas.TypeOrderConfirmedV1, orderID, schemas.OrderConfirmedV1{
		OrderID: orderID, CustomerID: "bob", Items: []schemas.Line{{SKU: "sku-1", Quantity: 1, PriceCents: 900}},
		TotalCents: 900, Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.JetStream().PublishMsg(t.Context(), bus.NewMsg(ev)); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

// sentEvents counts the notification.sent.v1 events of an order.
func sentEvents(t *testing.T, b *bus.Bus, orderID string) uint64 {
	t.Helper()
	stream, err := b.JetStream().Stream(t.Context(), "NOTIFICATION")
	if err != nil {
		if strings.Contains(err.Error(), "not found") {
			return 0
		}
		t.Fatalf("notification stream: %v", err)
	}
	subject := schemas.TypeNotificationSentV1 + "." + orderID
	info, err := stream.Info(t.Context(), jetstream.WithSubjectFilter(subject))
	if err != nil {
		t.Fatalf("stream info: %v", err)
	}
	return info.State.Subjects[subject]
}
