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
	"github.com/eventshop/eventshop/schemas"
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

// OrderBatch is the state one delivered batch of order events shares in
// its inbox transaction: the storage adapter locks and reads the batch's
// reservations and products with the BEGIN and writes them with the
// COMMIT, instead of two round trips per event.
type OrderBatch interface {
	inbox.Prefetcher
	// Repository returns the repository of one event of the batch, writing
	// inside tx; where the batch does not serve tx (the inbox's run with a
	// savepoint per event), it works on its own.
	Repository(tx pgx.Tx) command.Repository
}

// NewOrderBatch returns the batch state of events about orderIDs, whose
// placed orders name skus.
type NewOrderBatch func(orderIDs, skus []string) OrderBatch

// EventHandlers applies order events to the stock.
type EventHandlers struct {
	newBatch NewOrderBatch
	inbox    []inbox.Option
}

// NewEventHandlers returns the event port, which applies each delivered
// batch with the state newBatch returns for it; inboxOpts configure its
// inbox (inbox.PrefetchHandler).
func NewEventHandlers(newBatch NewOrderBatch, inboxOpts ...inbox.Option) EventHandlers {
	return EventHandlers{newBatch: newBatch, inbox: inboxOpts}
}

// Consume starts the orders consumer on b. Every event is applied in the
// transaction that records it in the inbox, so a redelivery has no effect.
func (h EventHandlers) Consume(ctx context.Context, b *bus.Bus, pool *pgxpool.Pool) (*bus.Consumer, error) {
	handle := inbox.PrefetchHandler(pool, OrdersConsumer, h.batchOf, h.Handle, h.inbox...)
	c, err := b.Consume(ctx, OrdersConsumerConfig(), handle)
	if err != nil {
		return nil, fmt.Errorf("consume order events: %w", err)
	}
	return c, nil
}

// batchOf returns the batch state of the orders and SKUs of msgs, so that
// the repository locks and reads them for the whole batch in one round
// trip. A payload that does not decode is left out; its handler rejects it.
func (h EventHandlers) batchOf(msgs []bus.Message) OrderBatch {
	var orderIDs, skus []string
	for _, m := range msgs {
		var p struct {
			OrderID string         `json:"order_id"`
			Items   []schemas.Line `json:"items"`
		}
		if err := m.Event.Decode(&p); err != nil {
			continue
		}
		orderIDs = append(orderIDs, p.OrderID)
		for _, it := range p.Items {
			skus = append(skus, it.SKU)
		}
	}
	return h.newBatch(orderIDs, skus)
}

// Handle applies one order event of batch b inside tx, inside the event's
// consumer span (the inbox hands ctx in it).
// An event it cannot decode or does not expect is permanent: retrying would
// not help, so it goes to the dead-letter stream.
func (h EventHandlers) Handle(ctx context.Context, tx pgx.Tx, b OrderBatch, ev event.Event) error {
	repo := b.Repository(tx)
	ctx = logging.With(ctx, slog.String("event_id", ev.ID), slog.String("event_type", ev.Type),
		slog.String("order_id", ev.Subject))
	switch ev.Type {
	case schemas.TypeOrderPlacedV1, schemas.TypeOrderPlacedV2:
		// v2 only adds an optional channel, so both decode into v2.
		var p schemas.OrderPlacedV2
		if err := ev.Decode(&p); err != nil {
			return bus.Permanent(err)
		}
		return command.NewReserveOrderHandler(repo).Handle(ctx, command.ReserveOrder{
			OrderID: p.OrderID, CustomerID: p.CustomerID, Items: p.Items,
			TotalCents: p.TotalCents, Currency: p.Currency, PaymentMethod: p.PaymentMethod,
		})
	case schemas.TypeOrderConfirmedV1:
		var p schemas.OrderConfirmedV1
		if err := ev.Decode(&p); err != nil {
			return bus.Permanent(err)
		}
		return command.NewCommitOrderHandler(repo).Handle(ctx, command.CommitOrder{OrderID: p.OrderID})
	case schemas.TypeOrderCancelledV1:
		var p schemas.OrderCancelledV1
		if err := ev.Decode(&p); err != nil {
			return bus.Permanent(err)
		}
		return command.NewReleaseOrderHandler(repo).Handle(ctx, command.ReleaseOrder{OrderID: p.OrderID})
	}
	return bus.Permanent(fmt.Errorf("inventory does not handle %s", ev.Type))
}
