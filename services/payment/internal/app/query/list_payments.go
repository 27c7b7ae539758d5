// Package query holds the payment service's queries.
package query

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/pkg/page"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

// ListFilter selects payments, newest first.
type ListFilter struct {
	// Status keeps only payments in this status. Empty keeps every status
	// except tombstones (CANCELLED), which are not payments; ask for
	// CANCELLED to see them.
	Status domain.Status
	// After keeps only payments older than this position; nil starts at
	// the newest.
	After *Position
	// Limit is the most payments returned; it must be positive.
	Limit int
}

// Position is a payment's place in the listing, newest first: creation
// time, then order id, since two payments can share a time.
type Position struct {
	CreatedAt time.Time
	OrderID   string
}

// Payments lists stored payments.
type Payments interface {
	List(ctx context.Context, f ListFilter) ([]domain.Payment, error)
}

// ListPayments answers the admin listing of payments.
type ListPayments struct {
	Payments Payments
}

// Handle returns one page of the payments of status (see ListFilter), newest
// first, and the cursor of the next page ("" on the last). A payment made
// while an admin pages is newer than every cursor: it shows on a new first
// page and never shifts or repeats the pages being read.
func (q ListPayments) Handle(ctx context.Context, status domain.Status, r page.Request) ([]domain.Payment, string, error) {
	f := ListFilter{Status: status, Limit: r.Limit + 1}
	if r.After != nil {
		t, id, err := page.ParseTimeKey(r.After)
		if err != nil {
			return nil, "", err
		}
		if uuid.Validate(id) != nil {
			return nil, "", fmt.Errorf("%w: cursor is not one this list returned", page.ErrInvalid)
		}
		f.After = &Position{CreatedAt: t, OrderID: id}
	}
	ps, err := q.Payments.List(ctx, f)
	if err != nil {
		return nil, "", fmt.Errorf("list payments: %w", err)
	}
	ps, next := page.Trim(ps, r, func(p domain.Payment) []string {
		return page.TimeKey(p.Snapshot().CreatedAt, p.OrderID())
	})
	return ps, next, nil
}
