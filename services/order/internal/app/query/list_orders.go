package query

import (
	"context"
	"fmt"

	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// MaxListed is how many orders ListOrders returns at most.
const MaxListed = 100

// ListOrders asks for a customer's own orders.
type ListOrders struct {
	CustomerID string
}

// ListOrdersHandler lists a customer's orders.
type ListOrdersHandler struct {
	orders OrderReader
}

// NewListOrdersHandler returns a ListOrdersHandler.
func NewListOrdersHandler(orders OrderReader) ListOrdersHandler {
	return ListOrdersHandler{orders: orders}
}

// Handle returns the customer's newest MaxListed orders, newest first.
func (h ListOrdersHandler) Handle(ctx context.Context, q ListOrders) ([]*domain.Order, error) {
	orders, err := h.orders.ListByCustomer(ctx, q.CustomerID, MaxListed)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	return orders, nil
}
