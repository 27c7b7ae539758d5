package ports_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/payment/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/payment/internal/app"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
	"github.com/eventshop/eventshop/services/payment/internal/ports"
	"github.com/eventshop/eventshop/services/payment/internal/service"
	"github.com/eventshop/eventshop/services/payment/migrations"
	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// isDecideRead tells the payment reads a pool sends outside a
// transaction, the ones the Decide calls make: single queries on payments
// without a lock. The inbox transaction's own reads are pipelined.
func isDecideRead(s testkit.Statement) bool {
	return !s.Batched && strings.Contains(s.SQL, "FROM payments") && !strings.Contains(s.SQL, "FOR UPDATE")
}

// provider is a payment provider that agrees to everything, counting
// captures and voids.
type provider struct{ captures, voids atomic.Int32 }

func (p *provider) Authorise(_ context.Context, req command.AuthoriseRequest) (string, error) {
	return "auth_" + strings.TrimPrefix(req.IdempotencyKey, "authorize:"), nil
}

func (p *provider) Capture(context.Context, string, int64) error { p.captures.Add(1); return nil }

func (p *provider) Void(context.Context, string) error { p.voids.Add(1); return nil }

// sagaHarness is the payment consumers' handlers on a fresh database,
// with a pool that counts their payment reads.
type sagaHarness struct {
	t        *testing.T
	saga     *ports.Saga
	provider *provider
	reads    *testkit.SQLLog
	payments *postgres.Payments // reads without counting
	sagaPool *pgxpool.Pool      // the pool saga uses, counting reads
}

func newSagaHarness(t *testing.T) *sagaHarness {
	t.Helper()
	base, err := pgdb.Open(t.Context(), testkit.Postgres(t), migrations.FS)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(base.Close)
	h := &sagaHarness{t: t, provider: &provider{}, reads: &testkit.SQLLog{}, payments: postgres.NewPayments(base)}
	h.sagaPool = testkit.Traced(t, base, h.reads)
	h.saga = newSaga(h.sagaPool, h.provider)
	return h
}

func newSaga(pool *pgxpool.Pool, prov command.Provider) *ports.Saga {
	payments := postgres.NewPayments(pool)
	now := func() time.Time { return time.Now().UTC() }
	return &ports.Saga{App: app.New(payments, prov, now), Pool: pool, Parallel: 4, Log: slog.New(slog.DiscardHandler),
		Payments: payments, Storage: service.SagaStorage{Payments: payments}}
}

// message is a first delivery of an event of typ about orderID. It is
// built by hand, not with event.New, so that an order id that is no UUID
// gets through as it could from a faulty producer.
func (h *sagaHarness) message(typ, orderID string, payload any) bus.Message {
	h.t.Helper()
	data, err := json.Marshal(payload)
	if err != nil {
		h.t.Fatal(err)
	}
	ev := event.Event{ID: uuid.Must(uuid.NewV7()).String(), Type: typ, Source: "test",
		Subject: orderID, Time: time.Now().UTC(), Data: data}
	return bus.Message{Event: ev, Delivered: 1}
}

func (h *sagaHarness) reserved(orderID string, total int64) bus.Message {
	return h.message(schemas.TypeInventoryReservedV1, orderID, schemas.InventoryReservedV1{
		OrderID: orderID, CustomerID: "alice", Items: []schemas.Line{{SKU: "sku-1", Quantity: 1, PriceCents: total}},
		TotalCents: total, Currency: "EUR", PaymentMethod: "tok_visa"})
}

func (h *sagaHarness) confirmed(orderID string, total int64) bus.Message {
	return h.message(schemas.TypeOrderConfirmedV1, orderID, schemas.OrderConfirmedV1{
		OrderID: orderID, CustomerID: "alice", Items: []schemas.Line{{SKU: "sku-1", Quantity: 1, PriceCents: total}},
		TotalCents: total, Currency: "EUR"})
}

func (h *sagaHarness) cancelled(orderID string) bus.Message {
	return h.message(schemas.TypeOrderCancelledV1, orderID, schemas.OrderCancelledV1{
		OrderID: orderID, CustomerID: "alice", Reason: "test"})
}

// status is the stored status of orderID's payment, "" for none.
func (h *sagaHarness) status(orderID string) domain.Status {
	h.t.Helper()
	p, err := h.payments.Get(h.t.Context(), orderID)
	switch {
	case errors.Is(err, command.ErrNotFound):
		return ""
	case err != nil:
		h.t.Fatalf("get payment %s: %v", orderID, err)
	}
	return p.Status()
}
