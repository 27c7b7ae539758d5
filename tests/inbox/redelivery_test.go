package inbox_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/testkit"
)

var errAckLost = errors.New("ack lost")

// TestRedeliveryThroughJetStreamHasNoSecondEffect commits every effect and
// then reports a failure, as if the ack were lost: JetStream redelivers each
// message and the inbox turns the second delivery into a no-op.
func TestRedeliveryThroughJetStreamHasNoSecondEffect(t *testing.T) {
	t.Parallel()
	pool, e := openDB(t), newEffector()
	b := connect(t)
	var mu sync.Mutex
	deliveries := map[string][]uint64{}
	h := inbox.Handler(pool, "test-redelivery", e.apply)
	loseFirstAck := func(ctx context.Context, msgs []bus.Message) []error {
		errs := h(ctx, msgs)
		mu.Lock()
		defer mu.Unlock()
		for i, m := range msgs {
			deliveries[m.Event.ID] = append(deliveries[m.Event.ID], m.Delivered)
			if errs[i] == nil && m.Delivered == 1 {
				errs[i] = errAckLost
			}
		}
		return errs
	}
	c, err := b.Consume(t.Context(), bus.ConsumerConfig{
		Service: "test", Durable: "test-redelivery", Subjects: []string{"order.rejected.>"},
	}, loseFirstAck)
	if err != nil {
		t.Fatalf("consume: %v", err)
	}
	t.Cleanup(c.Stop)

	msgs := messages(t, 5)
	evs := make([]event.Event, len(msgs))
	for i, m := range msgs {
		evs[i] = m.Event
	}
	if err := b.Publish(t.Context(), evs...); err != nil {
		t.Fatalf("publish: %v", err)
	}
	want := map[string][]uint64{}
	for _, ev := range evs {
		want[ev.ID] = []uint64{1, 2}
	}
	testkit.Eventually(t, wait, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return cmp.Equal(want, deliveries)
	}, "every message delivered twice")
	if diff := cmp.Diff(once(msgs), effects(t, pool)); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
}

// connect returns a provisioned bus on a fresh NATS server.
func connect(t *testing.T) *bus.Bus {
	t.Helper()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	b, err := bus.Connect(t.Context(), testkit.NATS(t).URL(), t.Name(), log)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(b.Close)
	if err := b.Provision(t.Context()); err != nil {
		t.Fatalf("provision: %v", err)
	}
	return b
}
