// Package query holds the notification service's read use cases, one file
// per use case, each with a Handle method. It declares the storage it reads;
// adapters implement it.
package query

import (
	"context"

	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// Notifications reads stored notifications.
type Notifications interface {
	// ListForCustomer returns up to limit of the customer's notifications, newest first.
	ListForCustomer(ctx context.Context, customerID string, limit int) ([]domain.Notification, error)
}
