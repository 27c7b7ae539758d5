package command

import (
	"context"
	"fmt"
	"time"

	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// CancelExpired cancels, with reason "timeout", up to Limit orders that have
// been PENDING for longer than Timeout.
type CancelExpired struct {
	Timeout time.Duration
	Limit   int
}

// CancelExpiredHandler ends sagas that heard nothing for too long.
type CancelExpiredHandler struct {
	repo    OrderRepository
	metrics Metrics
	now     func() time.Time
}

// NewCancelExpiredHandler returns a CancelExpiredHandler.
func NewCancelExpiredHandler(repo OrderRepository, m Metrics) CancelExpiredHandler {
	return CancelExpiredHandler{repo: repo, metrics: m, now: time.Now}
}

// Handle cancels one batch and returns how many orders it cancelled; a
// caller loops while the batch was full.
func (h CancelExpiredHandler) Handle(ctx context.Context, cmd CancelExpired) (int, error) {
	now := h.now()
	var done []*domain.Order
	n, err := h.repo.UpdateExpired(ctx, now.Add(-cmd.Timeout), cmd.Limit, func(o *domain.Order) error {
		if err := o.Cancel(domain.ReasonTimeout, now); err != nil {
			return err
		}
		done = append(done, o)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("cancel expired orders: %w", err)
	}
	for _, o := range done {
		h.metrics.OrderFinished(o.Status(), o.Reason(), o.UpdatedAt().Sub(o.CreatedAt()))
	}
	return n, nil
}
