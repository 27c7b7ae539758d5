package command

import (
	"context"
	"fmt"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/tracing"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// The order service's events are built here, from domain values, as in every
// service. The repository calls PlacedEvent and ChangeEvent when it stores a
// new order or a status change, so that each stored change and its event
// go into the outbox in the same write and no use case can forget one.

// Source is the ce-source of the order service's events.
const Source = "order"

// Channel is the order.placed.v2 channel of orders placed through the API.
const Channel = "api"

// PlacedEvent is the order.placed.v2 event of a new order.
func PlacedEvent(ctx context.Context, o *domain.Order) (event.Event, error) {
	return newEvent(ctx, o, schemas.TypeOrderPlacedV2, schemas.OrderPlacedV2{
		OrderID: o.ID().String(), CustomerID: o.CustomerID(), Items: toEventLines(o.Lines()),
		TotalCents: o.TotalCents(), Currency: o.Currency(), PaymentMethod: o.PaymentMethod(),
		Channel: Channel,
	})
}

// ChangeEvent is the event of an order's move to its final status.
func ChangeEvent(ctx context.Context, o *domain.Order) (event.Event, error) {
	id := o.ID().String()
	switch o.Status() {
	case domain.StatusConfirmed:
		return newEvent(ctx, o, schemas.TypeOrderConfirmedV1, schemas.OrderConfirmedV1{
			OrderID: id, CustomerID: o.CustomerID(), Items: toEventLines(o.Lines()),
			TotalCents: o.TotalCents(), Currency: o.Currency(),
		})
	case domain.StatusRejected:
		return newEvent(ctx, o, schemas.TypeOrderRejectedV1, schemas.OrderRejectedV1{
			OrderID: id, CustomerID: o.CustomerID(), Reason: o.Reason(),
		})
	case domain.StatusCancelled:
		return newEvent(ctx, o, schemas.TypeOrderCancelledV1, schemas.OrderCancelledV1{
			OrderID: id, CustomerID: o.CustomerID(), Reason: o.Reason(),
		})
	}
	return event.Event{}, fmt.Errorf("no event for order status %s", o.Status())
}

// newEvent builds an event about o in the trace of ctx.
func newEvent(ctx context.Context, o *domain.Order, typ string, payload any) (event.Event, error) {
	ev, err := event.New(Source, typ, o.ID().String(), payload)
	if err != nil {
		return event.Event{}, fmt.Errorf("build %s: %w", typ, err)
	}
	ev.TraceParent = tracing.TraceParent(ctx)
	return ev, nil
}

func toEventLines(lines []domain.Line) []schemas.Line {
	out := make([]schemas.Line, len(lines))
	for i, l := range lines {
		out[i] = schemas.Line{SKU: l.SKU(), Quantity: l.Quantity(), PriceCents: l.PriceCents()}
	}
	return out
}
