package command

import (
	"context"
	"fmt"
	"time"

	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// Record asks to record the notification of an order's final state.
type Record struct {
	// EventID is the id of the order event that announced the state.
	EventID string
	Final   domain.Final
}

// RecordHandler stores the one notification of an order.
//
// It is exactly-once per order without an inbox or a transaction because the
// order id is the document's _id: the repository inserts only if absent, so a
// redelivered event, a duplicate publish or a second final event of the same
// order (say a late cancel after a confirm) finds the document and changes
// nothing, and two concurrent inserts leave one winner through the unique
// _id. The sent event is not queued here but in the update that marks the
// notification SENT, so it tells of a delivery that happened.
type RecordHandler struct {
	Repo  Repository
	Clock Clock
	// FirstRound, when set, takes each new notification for its first
	// delivery round (Deliver.HandleClaimed), with the context it was
	// recorded in, whose trace the round continues. The notification is then
	// stored claimed for Lease, so no sweep for due notifications takes
	// that round: it needs neither a claim nor a query over the collection.
	// Should the round not happen, the notification falls due when the
	// lease ends.
	FirstRound func(context.Context, domain.Notification)
	// Lease is how long a first round is reserved; it must exceed one
	// round through the channel. Default 1m.
	Lease time.Duration
	// Recorded, when set, is told of each new notification (metrics).
	Recorded func(domain.Notification)
}

// Handle records cmd and reports whether a new notification was stored.
func (r RecordHandler) Handle(ctx context.Context, cmd Record) (bool, error) {
	now := r.Clock.now()
	n, err := domain.New(cmd.Final, now)
	if err != nil {
		return false, err
	}
	if r.FirstRound != nil {
		_ = n.Postpone(now.Add(leaseOrDefault(r.Lease))) // a new notification is unsent
	}
	created, err := r.Repo.Add(ctx, n, cmd.EventID)
	if err != nil {
		return false, fmt.Errorf("record notification: %w", err)
	}
	if !created {
		return false, nil
	}
	if r.Recorded != nil {
		r.Recorded(n)
	}
	if r.FirstRound != nil {
		r.FirstRound(ctx, n)
	}
	return true, nil
}
