// Package query holds the payment service's queries.
package query

import (
	"context"
	"fmt"

	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

// Limits of a payment listing.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// ListFilter selects payments, newest first.
type ListFilter struct {
	// Status keeps only payments in this status. Empty keeps every status
	// except tombstones (CANCELLED), which are not payments; ask for
	// CANCELLED to see them.
	Status domain.Status
	// Limit is the most payments returned. Zero means DefaultListLimit.
	Limit int
}

// Payments lists stored payments.
type Payments interface {
	List(ctx context.Context, f ListFilter) ([]domain.Payment, error)
}

// ListPaymentsHandler answers the admin listing of payments.
type ListPaymentsHandler struct {
	Payments Payments
}

// Handle returns the payments f selects.
func (q ListPaymentsHandler) Handle(ctx context.Context, f ListFilter) ([]domain.Payment, error) {
	if f.Limit <= 0 {
		f.Limit = DefaultListLimit
	}
	f.Limit = min(f.Limit, MaxListLimit)
	ps, err := q.Payments.List(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list payments: %w", err)
	}
	return ps, nil
}
