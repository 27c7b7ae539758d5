// Package query holds the order service's read use cases, one file per use
// case, each with a Handle method.
package query

import (
	"context"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// OrderReader reads stored orders.
type OrderReader interface {
	// Get returns the order or domain.ErrNotFound.
	Get(ctx context.Context, id uuid.UUID) (*domain.Order, error)
	// ListByCustomer returns the customer's newest orders first, at most limit.
	ListByCustomer(ctx context.Context, customerID string, limit int) ([]*domain.Order, error)
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
