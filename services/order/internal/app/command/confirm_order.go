package command

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// ConfirmOrder confirms a PENDING order whose payment was authorised.
type ConfirmOrder struct {
	OrderID uuid.UUID
}

// ConfirmOrderHandler confirms orders.
type ConfirmOrderHandler struct {
	repo    OrderRepository
	metrics Metrics
	now     func() time.Time
}

// NewConfirmOrderHandler returns a ConfirmOrderHandler.
func NewConfirmOrderHandler(repo OrderRepository, m Metrics) ConfirmOrderHandler {
	return ConfirmOrderHandler{repo: repo, metrics: m, now: time.Now}
}

// Handle confirms the order and stores order.confirmed; an order that is no
// longer PENDING is domain.ErrNotPending.
func (h ConfirmOrderHandler) Handle(ctx context.Context, cmd ConfirmOrder) (*domain.Order, error) {
	return finish(ctx, h.repo, h.metrics, cmd.OrderID, func(o *domain.Order) error {
		return o.Confirm(h.now())
	})
}
