// Package query holds the notification service's read use cases, one file
// per use case, each with a Handle method. It declares the storage it reads;
// adapters implement it.
package query

import (
	"context"
	"time"

	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// Notifications reads stored notifications.
type Notifications interface {
	// ListForCustomer returns up to limit of the customer's notifications,
	// newest first, those older than after when it is not nil.
	ListForCustomer(ctx context.Context, customerID string, after *Position, limit int) ([]domain.Notification, error)
}

// Position is a notification's place in a customer's list, newest first:
// creation time, then id, since two notifications can share a time.
type Position struct {
	CreatedAt time.Time
	ID        string
}
