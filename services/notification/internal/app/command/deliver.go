package command

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eventshop/eventshop/pkg/tracing"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// DeliverHandler sends due notifications through the channel and records the outcome.
//
// Delivery is at least once: a crash after the channel accepted a message and
// before it is marked SENT sends it again when its claim expires. Channels
// receive the notification id to recognise a repeat.
type DeliverHandler struct {
	Repo    Repository
	Channel Channel
	Policy  domain.RetryPolicy
	Clock   Clock
	// Lease is how long a claimed notification is not due for another
	// round; it must exceed one round through the channel. Default 1m.
	Lease time.Duration
	// Batch is how many due notifications one pass reads. Default 50.
	Batch int
	// Changed, when set, is told of each notification after its round and
	// of the round's error: nil when SENT, ErrChannelOpen when postponed.
	Changed func(n domain.Notification, err error)
}

// Due delivers the notifications due now and returns how many it read.
func (d DeliverHandler) Due(ctx context.Context) (int, error) {
	batch := d.Batch
	if batch <= 0 {
		batch = 50
	}
	due, err := d.Repo.Due(ctx, d.Clock.now(), batch)
	if err != nil {
		return 0, fmt.Errorf("find due notifications: %w", err)
	}
	for _, n := range due {
		if err := d.Handle(ctx, n); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// Handle makes one delivery round of n, unless another worker claimed it.
func (d DeliverHandler) Handle(ctx context.Context, n domain.Notification) error {
	now := d.Clock.now()
	claimed, err := d.Repo.Claim(ctx, n, now, d.ClaimEnd(now))
	if err != nil || !claimed {
		return err
	}
	return d.HandleClaimed(ctx, n)
}

// ClaimEnd is when a round claimed at now falls due again, should it fail
// before its outcome is stored.
func (d DeliverHandler) ClaimEnd(now time.Time) time.Time { return now.Add(leaseOrDefault(d.Lease)) }

// HandleClaimed makes one delivery round of n, whose round the caller holds:
// claimed by Handle, or stored claimed by Record for its first round.
func (d DeliverHandler) HandleClaimed(ctx context.Context, n domain.Notification) error {
	sendErr := d.Channel.Send(ctx, toMessage(n))
	if sendErr == nil {
		// Recorded even when shutting down, so a delivered message is not sent again.
		return d.sent(context.WithoutCancel(ctx), n)
	}
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: the claim expires and the round is repeated
	}
	return d.retry(ctx, n, sendErr)
}

func (d DeliverHandler) sent(ctx context.Context, n domain.Notification) error {
	if err := n.Delivered(d.Channel.Name(), d.Clock.now()); err != nil {
		return nil // already sent by another round
	}
	ev, err := sentEvent(n)
	if err != nil {
		return err
	}
	// A first round continues the trace its notification was recorded in;
	// other rounds leave it to the repository, which knows it.
	ev.TraceParent = tracing.TraceParent(ctx)
	if err := d.Repo.MarkSent(ctx, n, ev); err != nil {
		return fmt.Errorf("mark notification sent: %w", err)
	}
	d.changed(n, nil)
	return nil
}

func (d DeliverHandler) retry(ctx context.Context, n domain.Notification, cause error) error {
	now := d.Clock.now()
	var err error
	if errors.Is(cause, ErrChannelOpen) {
		p := d.Policy
		if p.Backoff <= 0 {
			p.Backoff = time.Second
		}
		err = n.Postpone(now.Add(p.Backoff))
	} else {
		err = n.DeliveryFailed(cause.Error(), now, d.Policy)
	}
	if err != nil {
		return nil // already sent
	}
	if err := d.Repo.SaveRetry(ctx, n); err != nil {
		return fmt.Errorf("save delivery failure: %w", err)
	}
	d.changed(n, cause)
	return nil
}

func (d DeliverHandler) changed(n domain.Notification, err error) {
	if d.Changed != nil {
		d.Changed(n, err)
	}
}

func leaseOrDefault(lease time.Duration) time.Duration {
	if lease <= 0 {
		return time.Minute
	}
	return lease
}

func toMessage(n domain.Notification) Message {
	return Message{
		NotificationID: n.ID(), OrderID: n.ID(), CustomerID: n.CustomerID(),
		Kind: string(n.Kind()), Subject: n.Subject(), Body: n.Body(),
	}
}
