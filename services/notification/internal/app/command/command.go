// Package command holds the notification service's use cases that change
// state, Record and Deliver, one file per use case, each with a Handle
// method. It declares the storage and delivery channel it needs; adapters
// implement them.
package command

import (
	"context"
	"errors"
	"time"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// ErrChannelOpen marks a message the channel refused without trying, because
// its breaker is open; the delivery is postponed without counting an attempt.
var ErrChannelOpen = errors.New("delivery channel unavailable")

// Repository stores notifications. Every method changes one document only,
// so none needs a transaction.
type Repository interface {
	// Add stores n unless a notification with its id exists, and reports
	// whether it did.
	Add(ctx context.Context, n domain.Notification, eventID string) (created bool, err error)
	// Due returns up to limit unsent notifications whose next round is due at now.
	Due(ctx context.Context, now time.Time, limit int) ([]domain.Notification, error)
	// Claim moves n's next round to until if n is still due at now and
	// unchanged since read, and reports whether it did; a claimed
	// notification is not due for anyone else until then.
	Claim(ctx context.Context, n domain.Notification, now, until time.Time) (bool, error)
	// MarkSent stores n as SENT and queues ev in the same update.
	MarkSent(ctx context.Context, n domain.Notification, ev event.Event) error
	// SaveRetry stores n's failed or postponed round.
	SaveRetry(ctx context.Context, n domain.Notification) error
}

// Message is what a channel delivers to a customer.
type Message struct {
	NotificationID string
	OrderID        string
	CustomerID     string
	Kind           string
	Subject        string
	Body           string
}

// Channel delivers messages. Send returns nil once the message is delivered,
// ErrChannelOpen when it did not try, or another error when it failed.
type Channel interface {
	Name() string
	Send(ctx context.Context, m Message) error
}

// Clock returns the current time; tests replace it.
type Clock func() time.Time

func (c Clock) now() time.Time {
	if c == nil {
		return time.Now().UTC()
	}
	return c().UTC()
}
