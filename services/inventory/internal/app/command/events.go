package command

import (
	"context"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/tracing"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/inventory/internal/domain"
)

// The inventory's events are built here, from domain values, as in every
// service: the handlers return them with the reservation or product to
// store, and the repository adds them to the outbox in the same transaction.

// Source is the ce-source of every event the inventory emits.
const Source = "inventory"

// newEvent builds an event of the inventory that continues the trace in ctx.
func newEvent(ctx context.Context, typ, subject string, payload any) (event.Event, error) {
	ev, err := event.New(Source, typ, subject, payload)
	if err != nil {
		return event.Event{}, err
	}
	ev.TraceParent = tracing.TraceParent(ctx)
	return ev, nil
}

// stockChanged builds one inventory.stock_changed.v1 per product, in SKU order.
func stockChanged(ctx context.Context, products []*domain.Product) ([]event.Event, error) {
	evs := make([]event.Event, 0, len(products))
	for _, p := range products {
		ev, err := newEvent(ctx, schemas.TypeInventoryStockChangedV1, p.SKU(),
			schemas.InventoryStockChangedV1{SKU: p.SKU(), Available: p.Available()})
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// toLines turns domain lines into event lines.
func toLines(lines []domain.Line) []schemas.Line {
	out := make([]schemas.Line, len(lines))
	for i, l := range lines {
		out[i] = schemas.Line{SKU: l.SKU, Quantity: int(l.Quantity)}
	}
	return out
}
