package ports

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/payment/internal/app"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
)

// Durable consumer names; each is also the inbox consumer name.
const (
	// ReservedConsumer reads inventory.reserved from the INVENTORY stream.
	ReservedConsumer = "payment-saga"
	// OrderConsumer reads order.confirmed and order.cancelled from the ORDER stream.
	OrderConsumer = "payment-order"
)

// Saga handles the saga events the payment service consumes.
type Saga struct {
	App  app.Application
	Pool *pgxpool.Pool
	// Payments reads payments when a batch's are not read ahead.
	Payments command.Payments
	// Storage reads a batch's payments ahead and holds the state of its
	// inbox transaction.
	Storage Storage
	// Parallel bounds the provider calls of one batch running at once.
	Parallel int
	Log      *slog.Logger
	// Duplicates counts the events each consumer's inbox drops; nil
	// counts nothing.
	Duplicates *inbox.Duplicates
}

// Consumers are the durable consumers of the saga.
func (s *Saga) Consumers() []ConsumerSpec {
	return []ConsumerSpec{
		{Config: bus.ConsumerConfig{Service: command.Source, Stream: "INVENTORY", Durable: ReservedConsumer,
			Subjects: []string{schemas.TypeInventoryReservedV1 + ".>"}, BatchSize: 64,
			// Many batches at once, so that batches waiting on cards the
			// provider never answers in time (three attempts of 2 s; at 50
			// orders/s with one card in twenty, about 15 such orders are
			// in flight) leave workers for the orders behind them, and one
			// batch's provider calls overlap another's transaction. A batch
			// records its answered orders in waves meanwhile (batchRunner). Order does not
			// matter here: an order has one inventory.reserved event, a
			// redelivery racing it waits on its inbox row, and a cancel is
			// met by the tombstone either way.
			Concurrency: 32},
			Handler: s.Reserved},
		{Config: bus.ConsumerConfig{Service: command.Source, Stream: "ORDER", Durable: OrderConsumer,
			Subjects:  []string{schemas.TypeOrderConfirmedV1 + ".>", schemas.TypeOrderCancelledV1 + ".>"},
			BatchSize: 64},
			Handler: s.OrderFinal},
	}
}

// ConsumerSpec is one consumer to start with bus.Consume.
type ConsumerSpec struct {
	Config  bus.ConsumerConfig
	Handler bus.BatchHandler
}

func (s *Saga) runner(consumer string) batchRunner {
	return batchRunner{pool: s.Pool, storage: s.Storage, payments: s.Payments, consumer: consumer, parallel: s.Parallel, log: s.Log,
		duplicates: s.Duplicates.For(consumer)}
}

// Reserved authorises the orders of a batch of inventory.reserved events.
func (s *Saga) Reserved(ctx context.Context, msgs []bus.Message) []error {
	return s.runner(ReservedConsumer).run(ctx, msgs, s.prepareAuthorise)
}

func (s *Saga) prepareAuthorise(ctx context.Context, payments command.Payments, ev event.Event) record {
	var p schemas.InventoryReservedV1
	if err := decode(ev, &p, &p.OrderID); err != nil {
		return invalid(ev, err)
	}
	cmd := command.Authorise{OrderID: p.OrderID, AmountCents: p.TotalCents, Currency: p.Currency, CardToken: p.PaymentMethod}
	authorise := s.App.Commands.Authorise
	authorise.Payments = payments
	d, err := authorise.Decide(ctx, cmd)
	if err != nil {
		return failed(err)
	}
	return func(ctx context.Context, tx command.Tx) (func(context.Context), error) {
		orphan, err := s.App.Commands.Authorise.Record(ctx, tx, cmd, d)
		if err != nil || orphan == "" {
			return nil, err
		}
		return func(ctx context.Context) { s.voidOrphan(ctx, cmd.OrderID, orphan) }, nil
	}
}

// voidOrphan voids an authorisation made for an order that was cancelled
// while the provider was being called. On failure the tombstone keeps it
// and the periodic sweep voids it later.
func (s *Saga) voidOrphan(ctx context.Context, orderID, authID string) {
	if err := s.App.Commands.VoidOrphans.One(ctx, orderID, authID); err != nil {
		s.Log.WarnContext(ctx, "void authorisation of cancelled order; the sweep retries",
			slog.String("auth_id", authID), slog.Any("error", err))
		return
	}
	s.Log.InfoContext(ctx, "voided authorisation of cancelled order", slog.String("auth_id", authID))
}

// OrderFinal captures confirmed orders and voids cancelled ones.
func (s *Saga) OrderFinal(ctx context.Context, msgs []bus.Message) []error {
	return s.runner(OrderConsumer).run(ctx, msgs, s.prepareFinal)
}

func (s *Saga) prepareFinal(ctx context.Context, payments command.Payments, ev event.Event) record {
	switch ev.Type {
	case schemas.TypeOrderConfirmedV1:
		return s.prepareCapture(ctx, payments, ev)
	case schemas.TypeOrderCancelledV1:
		return s.prepareCancel(ctx, payments, ev)
	}
	return invalid(ev, fmt.Errorf("%w: unexpected type", event.ErrInvalid))
}

func (s *Saga) prepareCapture(ctx context.Context, payments command.Payments, ev event.Event) record {
	var p schemas.OrderConfirmedV1
	if err := decode(ev, &p, &p.OrderID); err != nil {
		return invalid(ev, err)
	}
	cmd := command.Capture{OrderID: p.OrderID, AmountCents: p.TotalCents}
	capture := s.App.Commands.Capture
	capture.Payments = payments
	d, err := capture.Decide(ctx, cmd)
	if err != nil {
		return failed(err)
	}
	return func(ctx context.Context, tx command.Tx) (func(context.Context), error) {
		return nil, s.App.Commands.Capture.Record(ctx, tx, cmd, d)
	}
}

func (s *Saga) prepareCancel(ctx context.Context, payments command.Payments, ev event.Event) record {
	var p schemas.OrderCancelledV1
	if err := decode(ev, &p, &p.OrderID); err != nil {
		return invalid(ev, err)
	}
	cmd := command.Cancel{OrderID: p.OrderID}
	cancel := s.App.Commands.Cancel
	cancel.Payments = payments
	d, err := cancel.Decide(ctx, cmd)
	if err != nil {
		return failed(err)
	}
	return func(ctx context.Context, tx command.Tx) (func(context.Context), error) {
		return nil, s.App.Commands.Cancel.Record(ctx, tx, cmd, d)
	}
}

// decode reads an event's payload into v and checks that its order id is a UUID.
// orderID points into v, so it is read after decoding.
func decode(ev event.Event, v any, orderID *string) error {
	if err := ev.Decode(v); err != nil {
		return err
	}
	if err := uuid.Validate(*orderID); err != nil {
		return fmt.Errorf("%w: order id %q: %w", event.ErrInvalid, *orderID, err)
	}
	return nil
}
