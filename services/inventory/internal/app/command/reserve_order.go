package command

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/inventory/internal/domain"
)

// Reasons an order is rejected, as sent in inventory.rejected.v1.
const (
	ReasonOutOfStock   = "out_of_stock"
	ReasonUnknownSKU   = "unknown_sku"
	ReasonInvalidOrder = "invalid_order"
)

// ReserveOrder asks to reserve every line of a placed order. The fields other
// than the lines are carried into inventory.reserved.v1 so that payment
// needs nothing else.
type ReserveOrder struct {
	OrderID       string
	CustomerID    string
	Items         []schemas.Line
	TotalCents    int64
	Currency      string
	PaymentMethod string
}

// ReserveOrderHandler reserves an order's lines all or none.
type ReserveOrderHandler struct{ repo Repository }

// NewReserveOrderHandler returns a handler storing through repo.
func NewReserveOrderHandler(repo Repository) ReserveOrderHandler {
	return ReserveOrderHandler{repo: repo}
}

// Handle reserves the order, or records its rejection, and emits
// inventory.reserved.v1 (with a stock change per SKU) or
// inventory.rejected.v1. An order the inventory already knows, including one
// whose cancel arrived first (a tombstone), is left as it is.
func (h ReserveOrderHandler) Handle(ctx context.Context, cmd ReserveOrder) error {
	lines := make([]domain.Line, len(cmd.Items))
	skus := make([]string, len(cmd.Items))
	for i, it := range cmd.Items {
		lines[i] = domain.Line{SKU: it.SKU, Quantity: int64(it.Quantity)}
		skus[i] = it.SKU
	}
	err := h.repo.UpdateOrder(ctx, cmd.OrderID, skus,
		func(res *domain.Reservation, products map[string]*domain.Product) (*domain.Reservation, []event.Event, error) {
			if res != nil {
				return nil, nil, nil
			}
			if err := domain.ReserveLines(products, lines); err != nil {
				return h.reject(ctx, cmd, lines, err)
			}
			return h.reserve(ctx, cmd, lines, products)
		})
	if err != nil {
		return fmt.Errorf("reserve order %s: %w", cmd.OrderID, err)
	}
	return nil
}

func (h ReserveOrderHandler) reserve(ctx context.Context, cmd ReserveOrder, lines []domain.Line, products map[string]*domain.Product) (*domain.Reservation, []event.Event, error) {
	res, err := domain.NewReservation(cmd.OrderID, lines)
	if err != nil {
		return nil, nil, err
	}
	reserved, err := newEvent(ctx, schemas.TypeInventoryReservedV1, cmd.OrderID, schemas.InventoryReservedV1{
		OrderID: cmd.OrderID, CustomerID: cmd.CustomerID, Items: cmd.Items,
		TotalCents: cmd.TotalCents, Currency: cmd.Currency, PaymentMethod: cmd.PaymentMethod,
	})
	if err != nil {
		return nil, nil, err
	}
	changed, err := stockChanged(ctx, touched(products, lines))
	if err != nil {
		return nil, nil, err
	}
	return res, append([]event.Event{reserved}, changed...), nil
}

// reject records the rejection for a reason the order cannot change: a
// shortage or a malformed order. Any other error is returned for a retry.
func (h ReserveOrderHandler) reject(ctx context.Context, cmd ReserveOrder, lines []domain.Line, cause error) (*domain.Reservation, []event.Event, error) {
	payload := schemas.InventoryRejectedV1{OrderID: cmd.OrderID, CustomerID: cmd.CustomerID}
	var shortage *domain.ShortageError
	switch {
	case errors.As(cause, &shortage) && errors.Is(cause, domain.ErrUnknownProduct):
		payload.Reason, payload.SKUs = ReasonUnknownSKU, shortage.SKUs
	case errors.As(cause, &shortage):
		payload.Reason, payload.SKUs = ReasonOutOfStock, shortage.SKUs
	case errors.Is(cause, domain.ErrInvalidReservation):
		payload.Reason = ReasonInvalidOrder
	default:
		return nil, nil, cause
	}
	res, err := domain.NewRejection(cmd.OrderID, lines)
	if err != nil {
		return nil, nil, err
	}
	ev, err := newEvent(ctx, schemas.TypeInventoryRejectedV1, cmd.OrderID, payload)
	if err != nil {
		return nil, nil, err
	}
	return res, []event.Event{ev}, nil
}
