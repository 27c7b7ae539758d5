package ports_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/pkg/tracing"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/order/internal/app/command"
	"github.com/eventshop/eventshop/services/order/internal/ports"
	"github.com/eventshop/eventshop/services/order/internal/service"
	"github.com/eventshop/eventshop/testkit"
)

var quiet = slog.New(slog.DiscardHandler)

// sagaEnv is an order service with its consumers and outbox relay running
// on a real NATS server.
type sagaEnv struct {
	*env
	bus *bus.Bus
}

func newSagaEnv(t *testing.T) *sagaEnv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	nats := testkit.NATS(t)
	b, err := bus.Connect(ctx, nats.URL(), "order-test", quiet)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, b.JetStream())
	consumers, err := handlers(e).Consume(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	relayDone := make(chan struct{})
	go func() {
		defer close(relayDone)
		_ = outbox.NewRelay(e.pool, b, quiet, outbox.Options{}).Run(ctx)
	}()
	t.Cleanup(func() {
		for _, c := range consumers {
			c.Stop()
		}
		cancel()
		<-relayDone
		b.Close()
	})
	return &sagaEnv{env: e, bus: b}
}

func handlers(e *env) *ports.EventHandlers {
	return ports.NewEventHandlers(e.pool, service.SagaBatches(nil), command.NopMetrics{}, quiet)
}

// deliver hands evs to the saga's inbox handler as one batch, as the bus does.
func deliver(t *testing.T, e *env, evs ...event.Event) []error {
	t.Helper()
	msgs := make([]bus.Message, len(evs))
	for i, ev := range evs {
		msgs[i] = bus.Message{Event: ev, Delivered: 1}
	}
	return handlers(e).BatchHandler()(context.Background(), msgs)
}

// newTraceParent is the traceparent of a new trace, as a producer's span would write it.
func newTraceParent(t *testing.T) string {
	t.Helper()
	var id [24]byte
	if _, err := rand.Read(id[:]); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("00-%x-%x-01", id[:16], id[16:])
}

func newEvent(t *testing.T, source, typ, orderID string, payload any) event.Event {
	t.Helper()
	ev, err := event.New(source, typ, orderID, payload)
	if err != nil {
		t.Fatal(err)
	}
	ev.TraceParent = newTraceParent(t)
	return ev
}

func (e *env) order(t *testing.T, id string) placed {
	t.Helper()
	var o placed
	e.do(t, "admin", http.MethodGet, "/api/v1/orders/"+id, nil).decode(t, &o)
	return o
}

func TestPaymentAuthorisedConfirmsOrder(t *testing.T) {
	t.Parallel()
	e := newSagaEnv(t)
	p := e.place(t, "alice")
	authorised := newEvent(t, "payment", schemas.TypePaymentAuthorisedV1, p.ID,
		schemas.PaymentAuthorisedV1{OrderID: p.ID, PaymentID: "pay-1", AmountCents: 450, Currency: "EUR"})
	if err := e.bus.Publish(context.Background(), authorised); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return e.order(t, p.ID).Status == "CONFIRMED" },
		"order confirmed")

	stream, err := e.bus.JetStream().Stream(context.Background(), "ORDER")
	if err != nil {
		t.Fatal(err)
	}
	var confirmed event.Event
	testkit.EventuallyErr(t, 10*time.Second, func() error {
		msg, err := stream.GetLastMsgForSubject(context.Background(), schemas.TypeOrderConfirmedV1+"."+p.ID)
		if err != nil {
			return err
		}
		confirmed, err = bus.EventFromMsg(msg.Subject, msg.Header, msg.Data)
		return err
	})
	var payload schemas.OrderConfirmedV1
	if err := confirmed.Decode(&payload); err != nil {
		t.Fatal(err)
	}
	want := schemas.OrderConfirmedV1{OrderID: p.ID, CustomerID: "alice", TotalCents: 450, Currency: "EUR",
		Items: []schemas.Line{{SKU: "SKU-A", Quantity: 2, PriceCents: 100}, {SKU: "SKU-B", Quantity: 1, PriceCents: 250}}}
	if diff := cmp.Diff(want, payload); diff != "" {
		t.Errorf("order.confirmed.v1 (-want +got):\n%s", diff)
	}
	if got, want := tracing.TraceID(confirmed.TraceParent), tracing.TraceID(authorised.TraceParent); got != want {
		t.Errorf("order.confirmed trace = %q, want the payment's %q", got, want)
	}

	// A redelivery of the same event has no second effect.
	if errs := deliver(t, e.env, authorised); errs[0] != nil {
		t.Fatalf("redelivery: %v", errs[0])
	}
	if n := e.count(t, `SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND type = $2`, p.ID, schemas.TypeOrderConfirmedV1); n != 1 {
		t.Errorf("order.confirmed.v1 stored %d times, want 1", n)
	}
}

func TestSagaEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tests := []struct {
		name, source, typ string
		payload           func(id string) any
		status, reason    string
		emitted           string
	}{
		{"inventory rejected", "inventory", schemas.TypeInventoryRejectedV1,
			func(id string) any {
				return schemas.InventoryRejectedV1{OrderID: id, CustomerID: "alice", Reason: "out_of_stock", SKUs: []string{"SKU-A"}}
			},
			"REJECTED", "out_of_stock", schemas.TypeOrderRejectedV1},
		{"payment failed", "payment", schemas.TypePaymentFailedV1,
			func(id string) any { return schemas.PaymentFailedV1{OrderID: id, Reason: "declined"} },
			"CANCELLED", "payment_failed", schemas.TypeOrderCancelledV1},
		{"payment authorised", "payment", schemas.TypePaymentAuthorisedV1,
			func(id string) any {
				return schemas.PaymentAuthorisedV1{OrderID: id, PaymentID: "p", AmountCents: 450, Currency: "EUR"}
			},
			"CONFIRMED", "", schemas.TypeOrderConfirmedV1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.place(t, "alice")
			if errs := deliver(t, e, newEvent(t, tt.source, tt.typ, p.ID, tt.payload(p.ID))); errs[0] != nil {
				t.Fatal(errs[0])
			}
			if o := e.order(t, p.ID); o.Status != tt.status || o.Reason != tt.reason {
				t.Errorf("order = %s %q, want %s %q", o.Status, o.Reason, tt.status, tt.reason)
			}
			// A later saga event for the final order is acked without effect.
			late := newEvent(t, "payment", schemas.TypePaymentFailedV1, p.ID, schemas.PaymentFailedV1{OrderID: p.ID, Reason: "late"})
			if errs := deliver(t, e, late); errs[0] != nil {
				t.Errorf("late event: %v", errs[0])
			}
			if o := e.order(t, p.ID); o.Status != tt.status {
				t.Errorf("late event changed the order to %s", o.Status)
			}
			if n := e.count(t, `SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND type <> 'order.placed.v2'`, p.ID); n != 1 {
				t.Errorf("events after placement = %d, want 1 (%s)", n, tt.emitted)
			}
			if n := e.count(t, `SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND type = $2`, p.ID, tt.emitted); n != 1 {
				t.Errorf("%s events = %d, want 1", tt.emitted, n)
			}
		})
	}
}

// TestSagaEventsInOneBatch delivers several orders' events as one batch, as
// the consumer does: each order ends as its event says, a later event in the
// same batch for an order it already finished has no effect, and an event
// for an unknown order is permanent without undoing the others.
func TestSagaEventsInOneBatch(t *testing.T) {
	t.Parallel()
	for _, withUnknown := range []bool{false, true} {
		e := newEnv(t, nil)
		a, b := e.place(t, "alice"), e.place(t, "bob")
		evs := []event.Event{
			newEvent(t, "payment", schemas.TypePaymentAuthorisedV1, a.ID,
				schemas.PaymentAuthorisedV1{OrderID: a.ID, PaymentID: "p", AmountCents: 450, Currency: "EUR"}),
			newEvent(t, "payment", schemas.TypePaymentFailedV1, b.ID, schemas.PaymentFailedV1{OrderID: b.ID, Reason: "declined"}),
			newEvent(t, "payment", schemas.TypePaymentFailedV1, a.ID, schemas.PaymentFailedV1{OrderID: a.ID, Reason: "late"}),
		}
		if withUnknown {
			id := uuid.NewString()
			evs = append(evs, newEvent(t, "payment", schemas.TypePaymentAuthorisedV1, id,
				schemas.PaymentAuthorisedV1{OrderID: id, PaymentID: "p", AmountCents: 1, Currency: "EUR"}))
		}
		errs := deliver(t, e, evs...)
		for i, err := range errs {
			if unknown := i == 3; (err != nil) != unknown || (unknown && !bus.IsPermanent(err)) {
				t.Errorf("with unknown %v: event %d: error %v", withUnknown, i, err)
			}
		}
		for _, want := range []struct{ id, status, event string }{
			{a.ID, "CONFIRMED", schemas.TypeOrderConfirmedV1}, {b.ID, "CANCELLED", schemas.TypeOrderCancelledV1},
		} {
			if o := e.order(t, want.id); o.Status != want.status {
				t.Errorf("with unknown %v: order = %s, want %s", withUnknown, o.Status, want.status)
			}
			if n := e.count(t, `SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND type <> 'order.placed.v2'`, want.id); n != 1 {
				t.Errorf("with unknown %v: events after placement = %d, want 1 (%s)", withUnknown, n, want.event)
			}
		}
	}
}

func TestEventForUnknownOrderIsPermanent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := uuid.NewString()
	errs := deliver(t, e, newEvent(t, "payment", schemas.TypePaymentAuthorisedV1, id,
		schemas.PaymentAuthorisedV1{OrderID: id, PaymentID: "p", AmountCents: 1, Currency: "EUR"}))
	if errs[0] == nil || !bus.IsPermanent(errs[0]) {
		t.Fatalf("error = %v, want a permanent error", errs[0])
	}
	if n := e.count(t, `SELECT count(*) FROM outbox`); n != 0 {
		t.Errorf("outbox rows = %d, want 0", n)
	}
}

func TestSagaTimeoutCancelsPendingOrders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ports.NewSagaTimeout(e.app.Commands.CancelExpired, 300*time.Millisecond, quiet).Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("sweeper: %v", err)
		}
	})
	p := e.place(t, "alice")
	testkit.Eventually(t, 10*time.Second, func() bool { return e.order(t, p.ID).Status == "CANCELLED" }, "order timed out")
	if o := e.order(t, p.ID); o.Reason != "timeout" {
		t.Errorf("reason = %q, want timeout", o.Reason)
	}
	if n := e.count(t, `SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND type = $2`, p.ID, schemas.TypeOrderCancelledV1); n != 1 {
		t.Errorf("order.cancelled.v1 events = %d, want 1", n)
	}
}

func TestEventForUnknownOrderIsDeadLettered(t *testing.T) {
	t.Parallel()
	e := newSagaEnv(t)
	id := uuid.NewString()
	ev := newEvent(t, "inventory", schemas.TypeInventoryRejectedV1, id,
		schemas.InventoryRejectedV1{OrderID: id, CustomerID: "bob", Reason: "out_of_stock"})
	if err := e.bus.Publish(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	dlq := bus.NewDeadLetters(e.bus)
	var letters []bus.DeadLetter
	testkit.EventuallyErr(t, 10*time.Second, func() error {
		var err error
		letters, err = dlq.List(context.Background(), bus.DLQFilter{Service: "order"})
		if err == nil && len(letters) == 0 {
			err = errors.New("no dead letter yet")
		}
		return err
	})
	if got := letters[0]; got.Type != schemas.TypeInventoryRejectedV1 || got.Deliveries != 1 {
		t.Errorf("dead letter = %+v, want the rejected event after one delivery", got)
	}
}

// TestKeyExpiryDeletesKeysOlderThanTheTTL stores more expired keys than one
// statement deletes, and one fresh key: a sweep deletes every expired key,
// batch after batch, and keeps the fresh one.
func TestKeyExpiryDeletesKeysOlderThanTheTTL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := t.Context()
	expired := ports.KeyExpiryBatch + 5
	_, err := e.pool.Exec(ctx, `WITH o AS (
		INSERT INTO orders (id, customer_id, lines, total_cents, currency, payment_method, status, created_at, updated_at)
		SELECT gen_random_uuid(), 'alice', '[]', 0, 'EUR', 'tok_visa', 'CONFIRMED', now(), now()
		FROM generate_series(0, $1) RETURNING id)
		INSERT INTO idempotency_keys (customer_id, key, request_hash, order_id, created_at)
		SELECT 'alice', id::text, 'h', id, now() - interval '25 hours' FROM o`, expired)
	if err != nil {
		t.Fatalf("store keys: %v", err)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE idempotency_keys SET created_at = now()
		WHERE key = (SELECT key FROM idempotency_keys LIMIT 1)`); err != nil {
		t.Fatalf("freshen one key: %v", err)
	}
	ports.NewKeyExpiry(e.app.Commands.ExpireKeys, 24*time.Hour, quiet).Sweep(ctx)
	if n := e.count(t, `SELECT count(*) FROM idempotency_keys`); n != 1 {
		t.Errorf("keys left = %d, want the fresh one", n)
	}
}
