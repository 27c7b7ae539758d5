package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventshop/eventshop/pkg/event"
)

// stallWait is how long an asynchronous publish waits for room when
// maxPendingPublishes acks are outstanding, before it fails.
const stallWait = 5 * time.Second

// ackStall is how long the publishes of one call may go without a single
// answer before the ones still unanswered fail as an outage. A stream
// whose leader died never answers the publishes sent to it, and the
// client's own timeout (30 s) would hold the caller that long; a batch
// that is merely slow keeps getting answers and never stalls. Failed
// publishes are sent again by the caller, and the stream drops the ones it
// had stored by Nats-Msg-Id.
const ackStall = 2 * time.Second

// Publish publishes every event asynchronously and waits for all their acks.
// Each event's Nats-Msg-Id is its id, so publishing an event again within the
// stream's duplicate window stores nothing new. The error joins the failures.
func (b *Bus) Publish(ctx context.Context, evs ...event.Event) error {
	return errors.Join(b.PublishAll(ctx, evs)...)
}

// PublishAll publishes like Publish and returns one error per event, in
// order, nil for each event that JetStream stored (or had already stored).
// The outbox relay uses it to mark exactly the published rows as sent.
// Each publish is a PRODUCER span, a child of the span that wrote the
// event, until its ack; the message's headers carry the span's context.
func (b *Bus) PublishAll(ctx context.Context, evs []event.Event) []error {
	errs := make([]error, len(evs))
	futures := make([]jetstream.PubAckFuture, len(evs))
	var spans []trace.Span
	if b.tracer != nil {
		spans = make([]trace.Span, len(evs))
		defer func() {
			for i, span := range spans {
				endSpan(span, errs[i])
			}
		}()
	}
	for i, ev := range evs {
		if err := ctx.Err(); err != nil {
			errs[i] = fmt.Errorf("publish %s: %w", ev.ID, err)
			continue
		}
		msg := NewMsg(ev)
		if spans != nil {
			spans[i] = b.startPublish(ctx, ev, msg.Header)
		}
		f, err := b.js.PublishMsgAsync(msg, jetstream.WithStallWait(stallWait))
		if err != nil {
			errs[i] = fmt.Errorf("publish %s: %w", ev.ID, err)
			continue
		}
		futures[i] = f
	}
	stall := time.NewTimer(ackStall)
	defer stall.Stop()
	stalled := false
	elected := b.elections.next()
	for i, f := range futures {
		if f == nil {
			continue
		}
		dup, err := awaitAck(ctx, f, stall.C, elected, stalled)
		stalled = stalled || errors.Is(err, errAckStalled)
		if !stalled {
			stall.Reset(ackStall) // an answer, either way, is progress
		}
		if err != nil {
			errs[i] = fmt.Errorf("publish %s: %w", evs[i].ID, err)
			continue
		}
		b.metrics.publishedOne(evs[i].Type, dup)
	}
	return errs
}

// errAckStalled fails the publishes left unanswered for ackStall; it is an
// outage (outage.Is), as the client's own ack timeout is.
var errAckStalled = fmt.Errorf("%w: no answer for %s", jetstream.ErrAsyncPublishTimeout, ackStall)

// awaitAck waits for the server's answer to one asynchronous publish,
// until stall fires or a stream elects a leader (see leaders); once the
// call stalled, it takes only an answer that is already there. It reports
// whether the stream had stored the event before.
func awaitAck(ctx context.Context, f jetstream.PubAckFuture, stall <-chan time.Time, elected <-chan struct{}, stalled bool) (duplicate bool, err error) {
	if stalled {
		select {
		case ack := <-f.Ok():
			return ack.Duplicate, nil
		case err := <-f.Err():
			return false, err
		default:
			return false, errAckStalled
		}
	}
	select {
	case ack := <-f.Ok():
		return ack.Duplicate, nil
	case err := <-f.Err():
		return false, err
	case <-stall:
		return false, errAckStalled
	case <-elected:
		return false, errAckStalled
	case <-ctx.Done():
		return false, fmt.Errorf("await ack: %w", ctx.Err())
	}
}
