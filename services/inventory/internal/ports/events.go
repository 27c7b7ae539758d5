package ports

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/pkg/logging"
	"github.com/eventshop/eventshop/pkg/telemetry"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/inventory/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/inventory/internal/app"
	"github.com/eventshop/eventshop/services/inventory/internal/app/command"
)

// OrdersConsumer is the durable consumer of order events, also the inbox's
// consumer name.
const OrdersConsumer = "inventory-orders"

// OrdersConsumerConfig is the consumer of the saga's order events. One batch
// at a time (the default concurrency) keeps the locks of two batches from
// interleaving; each batch's transaction takes the locks of all its events
// at once, orders by id and products in SKU order.
func OrdersConsumerConfig() bus.ConsumerConfig {
	return bus.ConsumerConfig{
		Service: "inventory",
		Stream:  "ORDER",
		Durable: OrdersConsumer,
		Subjects: []string{
			schemas.TypeOrderPlacedV1 + ".>",
			schemas.TypeOrderPlacedV2 + ".>",
			schemas.TypeOrderConfirmedV1 + ".>",
			schemas.TypeOrderCancelledV1 + ".>",
		},
	}
}

// EventHandlers applies order events to the stock.
type EventHandlers struct {
	app   app.Application
	inbox []inbox.Option
}

// NewEventHandlers returns the event port of application; inboxOpts
// configure its inbox (inbox.Handler).
func NewEventHandlers(application app.Application, inboxOpts ...inbox.Option) EventHandlers {
	return EventHandlers{app: application, inbox: inboxOpts}
}

// Consume starts the orders consumer on b. Every event is applied in the
// transaction that records it in the inbox, so a redelivery has no effect.
func (h EventHandlers) Consume(ctx context.Context, b *bus.Bus, pool *pgxpool.Pool) (*bus.Consumer, error) {
	handle := inbox.Handler(pool, OrdersConsumer, h.Handle, h.inbox...)
	c, err := b.Consume(ctx, OrdersConsumerConfig(), func(ctx context.Context, msgs []bus.Message) []error {
		return handle(inbox.WithBatch(ctx, orderBatch(msgs)), msgs)
	})
	if err != nil {
		return nil, fmt.Errorf("consume order events: %w", err)
	}
	return c, nil
}

// orderBatch names the orders and SKUs of msgs, so that the repository
// locks and reads them for the whole batch in one round trip. A payload
// that does not decode is left out; its handler rejects it.
func orderBatch(msgs []bus.Message) *postgres.OrderBatch {
	b := &postgres.OrderBatch{}
	for _, m := range msgs {
		var p struct {
			OrderID string         `json:"order_id"`
			Items   []schemas.Line `json:"items"`
		}
		if err := m.Event.Decode(&p); err != nil {
			continue
		}
		b.OrderIDs = append(b.OrderIDs, p.OrderID)
		for _, it := range p.Items {
			b.SKUs = append(b.SKUs, it.SKU)
		}
	}
	return b
}

// Handle applies one order event inside tx, continuing the event's trace.
// An event it cannot decode or does not expect is permanent: retrying would
// not help, so it goes to the dead-letter stream.
func (h EventHandlers) Handle(ctx context.Context, tx pgx.Tx, ev event.Event) error {
	ctx = telemetry.Start(postgres.WithTx(ctx, tx), ev.TraceParent)
	ctx = logging.With(ctx, slog.String("event_id", ev.ID), slog.String("event_type", ev.Type),
		slog.String("order_id", ev.Subject))
	switch ev.Type {
	case schemas.TypeOrderPlacedV1, schemas.TypeOrderPlacedV2:
		// v2 only adds an optional channel, so both decode into v2.
		var p schemas.OrderPlacedV2
		if err := ev.Decode(&p); err != nil {
			return bus.Permanent(err)
		}
		return h.app.Commands.ReserveOrder.Handle(ctx, command.ReserveOrder{
			OrderID: p.OrderID, CustomerID: p.CustomerID, Items: p.Items,
			TotalCents: p.TotalCents, Currency: p.Currency, PaymentMethod: p.PaymentMethod,
		})
	case schemas.TypeOrderConfirmedV1:
		var p schemas.OrderConfirmedV1
		if err := ev.Decode(&p); err != nil {
			return bus.Permanent(err)
		}
		return h.app.Commands.CommitOrder.Handle(ctx, command.CommitOrder{OrderID: p.OrderID})
	case schemas.TypeOrderCancelledV1:
		var p schemas.OrderCancelledV1
		if err := ev.Decode(&p); err != nil {
			return bus.Permanent(err)
		}
		return h.app.Commands.ReleaseOrder.Handle(ctx, command.ReleaseOrder{OrderID: p.OrderID})
	}
	return bus.Permanent(fmt.Errorf("inventory does not handle %s", ev.Type))
}
