package command

import (
	"context"
	"fmt"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/inventory/internal/domain"
)

// ReleaseOrder asks to give a cancelled order's reservation back to stock.
type ReleaseOrder struct {
	OrderID string
}

// ReleaseOrderHandler releases the stock of a cancelled order.
type ReleaseOrderHandler struct{ repo Repository }

// NewReleaseOrderHandler returns a handler storing through repo.
func NewReleaseOrderHandler(repo Repository) ReleaseOrderHandler {
	return ReleaseOrderHandler{repo: repo}
}

// Handle releases a reservation that holds stock and emits
// inventory.released.v1 and a stock change per SKU. When the inventory has
// not seen the order yet it stores a tombstone, so that the order's placed
// event, should it come later, reserves nothing. A final reservation is left
// as it is.
func (h ReleaseOrderHandler) Handle(ctx context.Context, cmd ReleaseOrder) error {
	err := h.repo.UpdateOrder(ctx, cmd.OrderID, nil,
		func(res *domain.Reservation, products map[string]*domain.Product) (*domain.Reservation, []event.Event, error) {
			if res == nil {
				tomb, err := domain.NewTombstone(cmd.OrderID)
				return tomb, nil, err
			}
			if res.IsFinal() {
				return nil, nil, nil
			}
			return h.release(ctx, res, products)
		})
	if err != nil {
		return fmt.Errorf("release order %s: %w", cmd.OrderID, err)
	}
	return nil
}

func (h ReleaseOrderHandler) release(ctx context.Context, res *domain.Reservation, products map[string]*domain.Product) (*domain.Reservation, []event.Event, error) {
	if err := res.Release(products); err != nil {
		return nil, nil, err
	}
	released, err := newEvent(ctx, schemas.TypeInventoryReleasedV1, res.OrderID(),
		schemas.InventoryReleasedV1{OrderID: res.OrderID(), Items: toLines(res.Lines())})
	if err != nil {
		return nil, nil, err
	}
	changed, err := stockChanged(ctx, touched(products, res.Lines()))
	if err != nil {
		return nil, nil, err
	}
	return res, append([]event.Event{released}, changed...), nil
}
