package command

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// CancelOrder cancels a PENDING order for Reason. A non-empty CustomerID
// limits the cancel to that customer's order: anyone else's is
// domain.ErrNotFound, so its existence is not revealed.
type CancelOrder struct {
	OrderID    uuid.UUID
	CustomerID string
	Reason     string
}

// CancelOrderHandler cancels orders.
type CancelOrderHandler struct {
	repo    OrderRepository
	metrics Metrics
	now     func() time.Time
}

// NewCancelOrderHandler returns a CancelOrderHandler.
func NewCancelOrderHandler(repo OrderRepository, m Metrics) CancelOrderHandler {
	return CancelOrderHandler{repo: repo, metrics: m, now: time.Now}
}

// Handle cancels the order and stores order.cancelled; an order that is no
// longer PENDING is domain.ErrNotPending.
func (h CancelOrderHandler) Handle(ctx context.Context, cmd CancelOrder) (*domain.Order, error) {
	return finish(ctx, h.repo, h.metrics, cmd.OrderID, func(o *domain.Order) error {
		if cmd.CustomerID != "" && o.CustomerID() != cmd.CustomerID {
			return domain.ErrNotFound
		}
		return o.Cancel(cmd.Reason, h.now())
	})
}
