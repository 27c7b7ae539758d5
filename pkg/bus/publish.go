package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/event"
)

// stallWait is how long an asynchronous publish waits for room when
// maxPendingPublishes acks are outstanding, before it fails.
const stallWait = 5 * time.Second

// Publish publishes every event asynchronously and waits for all their acks.
// Each event's Nats-Msg-Id is its id, so publishing an event again within the
// stream's duplicate window stores nothing new. The error joins the failures.
func (b *Bus) Publish(ctx context.Context, evs ...event.Event) error {
	return errors.Join(b.PublishAll(ctx, evs)...)
}

// PublishAll publishes like Publish and returns one error per event, in
// order, nil for each event that JetStream stored (or had already stored).
// The outbox relay uses it to mark exactly the published rows as sent.
func (b *Bus) PublishAll(ctx context.Context, evs []event.Event) []error {
	errs := make([]error, len(evs))
	futures := make([]jetstream.PubAckFuture, len(evs))
	for i, ev := range evs {
		if err := ctx.Err(); err != nil {
			errs[i] = fmt.Errorf("publish %s: %w", ev.ID, err)
			continue
		}
		f, err := b.js.PublishMsgAsync(NewMsg(ev), jetstream.WithStallWait(stallWait))
		if err != nil {
			errs[i] = fmt.Errorf("publish %s: %w", ev.ID, err)
			continue
		}
		futures[i] = f
	}
	for i, f := range futures {
		if f == nil {
			continue
		}
		if err := awaitAck(ctx, f); err != nil {
			errs[i] = fmt.Errorf("publish %s: %w", evs[i].ID, err)
			continue
		}
		b.metrics.publishedOne(evs[i].Type)
	}
	return errs
}

// awaitAck waits for the server's answer to one asynchronous publish.
func awaitAck(ctx context.Context, f jetstream.PubAckFuture) error {
	select {
	case <-f.Ok():
		return nil
	case err := <-f.Err():
		return err
	case <-ctx.Done():
		return fmt.Errorf("await ack: %w", ctx.Err())
	}
}
