package query

import (
	"context"
	"fmt"

	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// ListLimit is the most notifications one listing returns.
const ListLimit = 100

// ListForCustomerHandler lists a customer's notifications, newest first.
type ListForCustomerHandler struct {
	Repo Notifications
}

// Handle returns up to ListLimit of customerID's notifications.
func (q ListForCustomerHandler) Handle(ctx context.Context, customerID string) ([]domain.Notification, error) {
	ns, err := q.Repo.ListForCustomer(ctx, customerID, ListLimit)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	return ns, nil
}
