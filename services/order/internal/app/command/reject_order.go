package command

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// RejectOrder rejects a PENDING order that inventory could not reserve.
type RejectOrder struct {
	OrderID uuid.UUID
	Reason  string
}

// RejectOrderHandler rejects orders.
type RejectOrderHandler struct {
	repo    OrderRepository
	metrics Metrics
	now     func() time.Time
}

// NewRejectOrderHandler returns a RejectOrderHandler.
func NewRejectOrderHandler(repo OrderRepository, m Metrics) RejectOrderHandler {
	return RejectOrderHandler{repo: repo, metrics: m, now: time.Now}
}

// Handle rejects the order and stores order.rejected; an order that is no
// longer PENDING is domain.ErrNotPending.
func (h RejectOrderHandler) Handle(ctx context.Context, cmd RejectOrder) (*domain.Order, error) {
	return finish(ctx, h.repo, h.metrics, cmd.OrderID, func(o *domain.Order) error {
		return o.Reject(cmd.Reason, h.now())
	})
}
