package command

import (
	"context"
	"fmt"

	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// RecordCommand asks to record the notification of an order's final state.
type RecordCommand struct {
	// EventID is the id of the order event that announced the state.
	EventID string
	Final   domain.Final
}

// Record stores the one notification of an order.
//
// It is exactly-once per order without an inbox or a transaction because the
// order id is the document's _id: the repository inserts only if absent, so a
// redelivered event, a duplicate publish or a second final event of the same
// order (say a late cancel after a confirm) finds the document and changes
// nothing, and two concurrent inserts leave one winner through the unique
// _id. The sent event is not queued here but in the update that marks the
// notification SENT, so it tells of a delivery that happened.
type Record struct {
	Repo  Repository
	Clock Clock
	// Recorded, when set, is told of each new notification (metrics, and to
	// wake the delivery worker).
	Recorded func(domain.Notification)
}

// Handle records cmd and reports whether a new notification was stored.
func (r Record) Handle(ctx context.Context, cmd RecordCommand) (bool, error) {
	n, err := domain.New(cmd.Final, r.Clock.now())
	if err != nil {
		return false, err
	}
	created, err := r.Repo.Add(ctx, n, cmd.EventID)
	if err != nil {
		return false, fmt.Errorf("record notification: %w", err)
	}
	if created && r.Recorded != nil {
		r.Recorded(n)
	}
	return created, nil
}
