package query

import (
	"context"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// GetOrder asks for one order as Viewer.
type GetOrder struct {
	OrderID uuid.UUID
	Viewer  Viewer
}

// GetOrderHandler reads one order.
type GetOrderHandler struct {
	orders OrderReader
}

// NewGetOrderHandler returns a GetOrderHandler.
func NewGetOrderHandler(orders OrderReader) GetOrderHandler {
	return GetOrderHandler{orders: orders}
}

// Handle returns the order, or domain.ErrNotFound when it does not exist or
// the viewer may not see it.
func (h GetOrderHandler) Handle(ctx context.Context, q GetOrder) (*domain.Order, error) {
	o, err := h.orders.Get(ctx, q.OrderID)
	if err != nil {
		return nil, err
	}
	if !q.Viewer.mayView(o) {
		return nil, domain.ErrNotFound
	}
	return o, nil
}
