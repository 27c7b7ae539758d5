package command

import (
	"context"
	"fmt"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/inventory/internal/domain"
)

// CommitOrder asks to turn a confirmed order's reservation into a sale.
type CommitOrder struct {
	OrderID string
}

// CommitOrderHandler sells the stock reserved for a confirmed order.
type CommitOrderHandler struct{ repo Repository }

// NewCommitOrderHandler returns a handler storing through repo.
func NewCommitOrderHandler(repo Repository) CommitOrderHandler {
	return CommitOrderHandler{repo: repo}
}

// Handle commits the reservation and emits inventory.committed.v1. Available
// stock does not change, so no stock change is emitted. Without a
// reservation still holding stock it does nothing: the order service only
// confirms reserved orders, so that is a repeated or stale event.
func (h CommitOrderHandler) Handle(ctx context.Context, cmd CommitOrder) error {
	err := h.repo.UpdateOrder(ctx, cmd.OrderID, nil,
		func(res *domain.Reservation, products map[string]*domain.Product) (*domain.Reservation, []event.Event, error) {
			if res == nil || res.IsFinal() {
				return nil, nil, nil
			}
			if err := res.Commit(products); err != nil {
				return nil, nil, err
			}
			ev, err := newEvent(ctx, schemas.TypeInventoryCommittedV1, cmd.OrderID,
				schemas.InventoryCommittedV1{OrderID: cmd.OrderID, Items: toLines(res.Lines())})
			if err != nil {
				return nil, nil, err
			}
			return res, []event.Event{ev}, nil
		})
	if err != nil {
		return fmt.Errorf("commit order %s: %w", cmd.OrderID, err)
	}
	return nil
}
