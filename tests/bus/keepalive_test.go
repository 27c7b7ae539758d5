package bus_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/testkit"
)

// TestQueuedMessagesAreNotRedeliveredWhileHeld holds the first batch in
// the handler for several ack waits while more messages wait in the
// consumer's queue: none of them may be redelivered, because the consumer
// reports every message it holds in progress, not only the batch in the
// handler. A control consumer that keeps nothing alive, whose message is
// delivered after the held ones, proves the ack waits went by.
func TestQueuedMessagesAreNotRedeliveredWhileHeld(t *testing.T) {
	t.Parallel()
	_, b := connect(t)
	const ackWait = 3 * time.Second
	entered, release := make(chan struct{}), make(chan struct{})
	first := true
	rec := newRecorder(func(bus.Message) error { return nil })
	consume(t, b, bus.ConsumerConfig{AckWait: ackWait, BatchSize: 1, Backoff: fast},
		func(ctx context.Context, msgs []bus.Message) []error {
			if first {
				first = false
				close(entered)
				<-release
			}
			return rec.handle(ctx, msgs)
		})
	evs := []event.Event{rejected(t, "a"), rejected(t, "b"), rejected(t, "c")}
	publish(t, b, evs...)
	<-entered
	testkit.Eventually(t, wait, func() bool { return ackPending(t, b, "test-order") == len(evs) },
		"the consumer did not receive every message")

	awaitRedelivered(t, b, 3, ackWait)
	info, err := b.JetStream().Consumer(t.Context(), bus.StreamOrder, "test-order")
	if err != nil {
		t.Fatalf("consumer info: %v", err)
	}
	if n := info.CachedInfo().NumRedelivered; n != 0 {
		t.Errorf("%d held messages redelivered, want 0", n)
	}
	close(release)
	testkit.Eventually(t, wait, func() bool { return rec.handledAll(evs) }, "held messages not handled")
	for _, ev := range evs {
		if got := rec.lastDelivery(ev.ID); got != 1 {
			t.Errorf("event %s handled on delivery %d, want 1", ev.ID, got)
		}
	}
}

func ackPending(t *testing.T, b *bus.Bus, durable string) int {
	t.Helper()
	cons, err := b.JetStream().Consumer(t.Context(), bus.StreamOrder, durable)
	if err != nil {
		return -1
	}
	return cons.CachedInfo().NumAckPending
}

// awaitRedelivered fetches one message of the order stream on a consumer
// of its own that never acks, until JetStream has delivered it times
// times: (times-1) ack waits have passed since it was first delivered.
func awaitRedelivered(t *testing.T, b *bus.Bus, times uint64, ackWait time.Duration) {
	t.Helper()
	cons, err := b.JetStream().CreateOrUpdateConsumer(t.Context(), bus.StreamOrder, jetstream.ConsumerConfig{
		Durable: "control", AckPolicy: jetstream.AckExplicitPolicy, AckWait: ackWait,
		MaxAckPending: 1, FilterSubject: "order.rejected.>",
	})
	if err != nil {
		t.Fatalf("control consumer: %v", err)
	}
	testkit.Eventually(t, wait, func() bool {
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return false
		}
		for m := range batch.Messages() {
			if meta, err := m.Metadata(); err == nil && meta.NumDelivered >= times {
				return true
			}
		}
		return false
	}, "the control message was not redelivered")
}
