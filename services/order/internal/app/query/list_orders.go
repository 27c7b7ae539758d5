package query

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/pkg/page"
	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// ListOrders asks for one page of a customer's own orders, newest first.
type ListOrders struct {
	CustomerID string
	Page       page.Request
}

// ListOrdersHandler lists a customer's orders.
type ListOrdersHandler struct {
	orders OrderReader
}

// NewListOrdersHandler returns a ListOrdersHandler.
func NewListOrdersHandler(orders OrderReader) ListOrdersHandler {
	return ListOrdersHandler{orders: orders}
}

// Handle returns one page of the customer's orders, newest first, and the
// cursor of the next page ("" on the last). An order placed while a client
// pages is newer than every cursor, so it shows on a new first page and
// never shifts or repeats the pages being read.
func (h ListOrdersHandler) Handle(ctx context.Context, q ListOrders) ([]*domain.Order, string, error) {
	var after *OrderPosition
	if q.Page.After != nil {
		t, id, err := page.ParseTimeKey(q.Page.After)
		if err != nil {
			return nil, "", err
		}
		uid, err := uuid.Parse(id)
		if err != nil {
			return nil, "", fmt.Errorf("%w: cursor is not one this list returned", page.ErrInvalid)
		}
		after = &OrderPosition{CreatedAt: t, ID: uid}
	}
	orders, err := h.orders.ListByCustomer(ctx, q.CustomerID, after, q.Page.Limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list orders: %w", err)
	}
	orders, next := page.Trim(orders, q.Page, func(o *domain.Order) []string {
		return page.TimeKey(o.CreatedAt(), o.ID().String())
	})
	return orders, next, nil
}
