package query

import (
	"context"
	"fmt"

	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// ListLimit is the most notifications one listing returns.
const ListLimit = 100

// ListForCustomer lists a customer's notifications, newest first.
type ListForCustomer struct {
	Repo Notifications
}

// Handle returns up to ListLimit of customerID's notifications.
func (q ListForCustomer) Handle(ctx context.Context, customerID string) ([]domain.Notification, error) {
	ns, err := q.Repo.ListForCustomer(ctx, customerID, ListLimit)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	return ns, nil
}
