package ports

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/pkg/logging"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/order/internal/app/command"
	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// SagaConsumer is the durable consumer name, and inbox consumer, of the
// order saga's event handlers.
const SagaConsumer = "order-saga"

// SagaBatch is the state one delivered batch of saga events shares in its
// inbox transaction: the storage adapter locks and reads the batch's
// orders with the BEGIN and writes them with the COMMIT, instead of two
// round trips per event.
type SagaBatch interface {
	inbox.Prefetcher
	// Repository returns the order repository of one event of the batch,
	// writing inside tx; where the batch does not serve tx (the inbox's
	// run with a savepoint per event), it works on its own.
	Repository(tx pgx.Tx) command.OrderRepository
}

// NewSagaBatch returns the batch state of saga events about orderIDs.
type NewSagaBatch func(orderIDs []uuid.UUID) SagaBatch

// EventHandlers move orders along the saga when inventory and payment report.
type EventHandlers struct {
	pool     *pgxpool.Pool
	newBatch NewSagaBatch
	metrics  command.Metrics
	log      *slog.Logger
	inbox    []inbox.Option
}

// NewEventHandlers returns the saga's event handlers, which apply each
// delivered batch with the state newBatch returns for it; inboxOpts
// configure their inbox (inbox.PrefetchHandler).
func NewEventHandlers(pool *pgxpool.Pool, newBatch NewSagaBatch, m command.Metrics, log *slog.Logger, inboxOpts ...inbox.Option) *EventHandlers {
	return &EventHandlers{pool: pool, newBatch: newBatch, metrics: m, log: log, inbox: inboxOpts}
}

// Subscriptions are the saga events the order service consumes, per stream.
var Subscriptions = []bus.ConsumerConfig{
	{Service: "order", Stream: "INVENTORY", Durable: SagaConsumer,
		Subjects: []string{schemas.TypeInventoryRejectedV1 + ".>"}},
	{Service: "order", Stream: "PAYMENT", Durable: SagaConsumer,
		Subjects: []string{schemas.TypePaymentAuthorisedV1 + ".>", schemas.TypePaymentFailedV1 + ".>"}},
}

// Consume starts a durable consumer per subscription; each event is applied
// in one transaction with its inbox row, so a redelivery has no effect.
func (h *EventHandlers) Consume(ctx context.Context, b *bus.Bus) ([]*bus.Consumer, error) {
	handler := h.BatchHandler()
	var consumers []*bus.Consumer
	for _, cfg := range Subscriptions {
		c, err := b.Consume(ctx, cfg, handler)
		if err != nil {
			for _, started := range consumers {
				started.Stop()
			}
			return nil, fmt.Errorf("consume %s: %w", cfg.Stream, err)
		}
		consumers = append(consumers, c)
	}
	return consumers, nil
}

// BatchHandler applies a batch of saga events in one transaction with their
// inbox rows (inbox.PrefetchHandler): the orders of the whole batch are
// locked and read with the BEGIN and its writes sent with the COMMIT
// (SagaBatch).
func (h *EventHandlers) BatchHandler() bus.BatchHandler {
	return inbox.PrefetchHandler(h.pool, SagaConsumer, h.batchOf, h.Handle, h.inbox...)
}

// batchOf returns the batch state of msgs' orders. A payload without a
// valid order id is left out; its handler rejects it.
func (h *EventHandlers) batchOf(msgs []bus.Message) SagaBatch {
	var ids []uuid.UUID
	for _, m := range msgs {
		var p struct {
			OrderID string `json:"order_id"`
		}
		if err := m.Event.Decode(&p); err != nil {
			continue
		}
		if id, err := uuid.Parse(p.OrderID); err == nil {
			ids = append(ids, id)
		}
	}
	return h.newBatch(ids)
}

// Handle applies one saga event of batch b inside tx. An event for an order that is
// already final is acked without effect. An event for an unknown order is
// permanent: events follow the order's own commit, so it will never appear,
// and the event goes to the dead-letter stream for an operator to see.
func (h *EventHandlers) Handle(ctx context.Context, tx pgx.Tx, b SagaBatch, ev event.Event) error {
	ctx = logging.With(ctx, slog.String("event_id", ev.ID), slog.String("order_id", ev.Subject))
	err := h.apply(ctx, b.Repository(tx), ev)
	switch {
	case errors.Is(err, domain.ErrNotPending):
		h.log.InfoContext(ctx, "saga event for a final order ignored", "event_type", ev.Type)
		return nil
	case errors.Is(err, domain.ErrNotFound):
		return bus.Permanent(fmt.Errorf("%s for unknown order: %w", ev.Type, err))
	}
	return err
}

func (h *EventHandlers) apply(ctx context.Context, repo command.OrderRepository, ev event.Event) error {
	switch ev.Type {
	case schemas.TypeInventoryRejectedV1:
		var p schemas.InventoryRejectedV1
		id, err := decode(ev, &p, func() string { return p.OrderID })
		if err != nil {
			return err
		}
		_, err = command.NewRejectOrderHandler(repo, h.metrics).Handle(ctx, command.RejectOrder{OrderID: id, Reason: p.Reason})
		return err
	case schemas.TypePaymentAuthorisedV1:
		var p schemas.PaymentAuthorisedV1
		id, err := decode(ev, &p, func() string { return p.OrderID })
		if err != nil {
			return err
		}
		_, err = command.NewConfirmOrderHandler(repo, h.metrics).Handle(ctx, command.ConfirmOrder{OrderID: id})
		return err
	case schemas.TypePaymentFailedV1:
		var p schemas.PaymentFailedV1
		id, err := decode(ev, &p, func() string { return p.OrderID })
		if err != nil {
			return err
		}
		_, err = command.NewCancelOrderHandler(repo, h.metrics).Handle(ctx,
			command.CancelOrder{OrderID: id, Reason: domain.ReasonPaymentFailed})
		return err
	}
	return bus.Permanent(fmt.Errorf("%w: order saga does not handle %s", event.ErrInvalid, ev.Type))
}

// decode unmarshals ev into payload and parses the order id that orderID
// reads from it; a payload that does not decode is permanent.
func decode(ev event.Event, payload any, orderID func() string) (uuid.UUID, error) {
	if err := ev.Decode(payload); err != nil {
		return uuid.Nil, bus.Permanent(err)
	}
	id, err := uuid.Parse(orderID())
	if err != nil {
		return uuid.Nil, bus.Permanent(fmt.Errorf("%w: %s: order id %q: %w", event.ErrInvalid, ev.Type, orderID(), err))
	}
	return id, nil
}
