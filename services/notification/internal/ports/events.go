// Package ports adapts the outside world to the notification service's use
// cases: the order events it consumes, its HTTP routes and the delivery worker.
package ports

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/logging"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/notification/internal/app/command"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// OrdersConsumer is the durable consumer of the orders' final events.
const OrdersConsumer = "notification-orders"

// Events records a notification for every final order event.
type Events struct {
	Record command.RecordHandler
}

// Consumer is the configuration of the orders consumer.
func (e Events) Consumer() bus.ConsumerConfig {
	return bus.ConsumerConfig{
		Service: command.Source, Stream: "ORDER", Durable: OrdersConsumer,
		Subjects: []string{
			schemas.TypeOrderConfirmedV1 + ".>", schemas.TypeOrderRejectedV1 + ".>",
			schemas.TypeOrderCancelledV1 + ".>",
		},
		BatchSize: 32, AckWait: time.Minute,
	}
}

// handleParallel bounds the events of a batch recorded at once.
const handleParallel = 8

// Handler is the consumer's batch handler. It records the events of a batch
// side by side, as each touches only its own order's document and Record
// is safe for concurrent use: one at a time, a batch costs a round trip to
// the database per event in a row.
func (e Events) Handler() bus.BatchHandler {
	return func(ctx context.Context, msgs []bus.Message) []error {
		errs := make([]error, len(msgs))
		var g errgroup.Group
		g.SetLimit(handleParallel)
		for i, m := range msgs {
			g.Go(func() error {
				errs[i] = e.Handle(m.WithSpan(ctx), m.Event)
				return nil // reported through errs
			})
		}
		_ = g.Wait()
		return errs
	}
}

// Handle records the notification of one final order event. An event that
// cannot become a notification is dead-lettered; storage errors are retried.
func (e Events) Handle(ctx context.Context, ev event.Event) error {
	f, err := toFinal(ev)
	if err != nil {
		return bus.Permanent(err)
	}
	ctx = logging.With(ctx, slog.String("order_id", f.OrderID))
	_, err = e.Record.Handle(ctx, command.Record{EventID: ev.ID, Final: f})
	if errors.Is(err, domain.ErrInvalid) {
		return bus.Permanent(err)
	}
	return err
}

// toFinal reads a final order event.
func toFinal(ev event.Event) (domain.Final, error) {
	var f domain.Final
	switch ev.Type {
	case schemas.TypeOrderConfirmedV1:
		var p schemas.OrderConfirmedV1
		if err := ev.Decode(&p); err != nil {
			return f, err
		}
		f = domain.Final{OrderID: p.OrderID, CustomerID: p.CustomerID, Kind: domain.KindConfirmed,
			TotalCents: p.TotalCents, Currency: p.Currency}
	case schemas.TypeOrderRejectedV1:
		var p schemas.OrderRejectedV1
		if err := ev.Decode(&p); err != nil {
			return f, err
		}
		f = domain.Final{OrderID: p.OrderID, CustomerID: p.CustomerID, Kind: domain.KindRejected, Reason: p.Reason}
	case schemas.TypeOrderCancelledV1:
		var p schemas.OrderCancelledV1
		if err := ev.Decode(&p); err != nil {
			return f, err
		}
		f = domain.Final{OrderID: p.OrderID, CustomerID: p.CustomerID, Kind: domain.KindCancelled, Reason: p.Reason}
	default:
		return f, fmt.Errorf("%w: unexpected type %s", event.ErrInvalid, ev.Type)
	}
	if err := uuid.Validate(f.OrderID); err != nil {
		return f, fmt.Errorf("%w: order id %q: %w", event.ErrInvalid, f.OrderID, err)
	}
	return f, nil
}
