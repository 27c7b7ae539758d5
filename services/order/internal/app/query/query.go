// Package query holds the order service's read use cases, one file per use
// case, each with a Handle method.
package query

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// OrderReader reads stored orders.
type OrderReader interface {
	// Get returns the order or domain.ErrNotFound.
	Get(ctx context.Context, id uuid.UUID) (*domain.Order, error)
	// ListByCustomer returns the customer's orders newest first, those
	// older than after when it is not nil, at most limit.
	ListByCustomer(ctx context.Context, customerID string, after *OrderPosition, limit int) ([]*domain.Order, error)
}

// OrderPosition is an order's place in a customer's list, newest first:
// placement time, then id, since two orders can share a time.
type OrderPosition struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// Viewer is who asks: a customer sees their own orders, an admin every order.
type Viewer struct {
	Subject string
	Admin   bool
}

// mayView reports whether v may see o. Someone else's order is reported as
// not found rather than forbidden, so order ids cannot be probed.
func (v Viewer) mayView(o *domain.Order) bool {
	return v.Admin || o.CustomerID() == v.Subject
}
