// Package eventlog reads an order's saga history back from JetStream.
package eventlog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/tracing"
	"github.com/eventshop/eventshop/services/order/internal/app/query"
)

// Streams are the streams that carry saga events, by subject prefix.
var Streams = map[string]string{
	"ORDER": "order", "INVENTORY": "inventory", "PAYMENT": "payment", "NOTIFICATION": "notification",
}

// fetchWait is how long one Fetch waits for messages that NumPending
// promised; the messages are stored, so they arrive at once.
const fetchWait = 500 * time.Millisecond

// inactiveThreshold is how long the server keeps a timeline consumer that
// was not deleted, for a reader that died mid-read.
const inactiveThreshold = 30 * time.Second

// Log reads events from JetStream.
type Log struct {
	js jetstream.JetStream
}

// New returns a Log on js.
func New(js jetstream.JetStream) *Log { return &Log{js: js} }

// OrderEvents returns every event whose subject ends in the order id, from
// every saga stream. Each stream is read with an ordered consumer, an
// ephemeral consumer the client recreates on a gap, filtered on
// "<domain>.*.*.<order id>" so the server sends only this order's events.
func (l *Log) OrderEvents(ctx context.Context, orderID uuid.UUID) ([]query.TimelineEvent, error) {
	var all []query.TimelineEvent
	for stream, domain := range Streams {
		evs, err := l.read(ctx, stream, domain+".*.*."+orderID.String())
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", stream, err)
		}
		all = append(all, evs...)
	}
	return all, nil
}

func (l *Log) read(ctx context.Context, stream, subject string) ([]query.TimelineEvent, error) {
	cons, err := l.js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{subject},
		DeliverPolicy:     jetstream.DeliverAllPolicy,
		InactiveThreshold: inactiveThreshold,
	})
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ordered consumer: %w", err)
	}
	defer l.delete(cons, stream)
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("consumer info: %w", err)
	}
	pending := int(info.NumPending)
	out := make([]query.TimelineEvent, 0, pending)
	for len(out) < pending {
		batch, err := cons.Fetch(pending-len(out), jetstream.FetchMaxWait(fetchWait))
		if err != nil {
			return nil, fmt.Errorf("fetch: %w", err)
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			out = append(out, toTimelineEvent(msg))
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return nil, fmt.Errorf("fetch: %w", err)
		}
		if n == 0 {
			break
		}
	}
	return out, nil
}

// delete removes the consumer at once rather than leaving it to the
// server's inactivity timeout, so frequent timeline reads do not pile up
// consumers; a failure is harmless, the timeout removes it later.
func (l *Log) delete(cons jetstream.Consumer, stream string) {
	info := cons.CachedInfo()
	if info == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = l.js.DeleteConsumer(ctx, stream, info.Name)
}

// toTimelineEvent decodes a message's envelope; a message that is not an
// event still shows, with what its headers say, so the timeline hides nothing.
func toTimelineEvent(msg jetstream.Msg) query.TimelineEvent {
	ev, _ := bus.EventFromMsg(msg.Subject(), msg.Headers(), msg.Data())
	return query.TimelineEvent{
		ID: ev.ID, Type: ev.Type, Source: ev.Source, Time: ev.Time,
		TraceID: tracing.TraceID(ev.TraceParent),
	}
}
