package bus_test

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/testkit"
)

func TestConsumerSurvivesServerRestart(t *testing.T) {
	t.Parallel()
	srv, b := connect(t)
	rec := newRecorder(nil)
	consume(t, b, bus.ConsumerConfig{}, rec.handle)
	before := rejected(t, "out_of_stock")
	publish(t, b, before)
	testkit.Eventually(t, wait, func() bool { return rec.handledCount(before.ID) > 0 }, "event before restart not handled")

	srv.Restart(t)

	after := rejected(t, "out_of_stock")
	testkit.EventuallyErr(t, wait, func() error { return b.Publish(t.Context(), after) })
	testkit.Eventually(t, wait, func() bool { return rec.handledCount(after.ID) > 0 }, "event after restart not handled")
}

func TestConsumerSurvivesDeletionByAdmin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		delete func(ctx context.Context, js jetstream.JetStream) error
	}{
		{"consumer", func(ctx context.Context, js jetstream.JetStream) error {
			return js.DeleteConsumer(ctx, bus.StreamOrder, "test-deleted")
		}},
		{"stream", func(ctx context.Context, js jetstream.JetStream) error {
			return js.DeleteStream(ctx, bus.StreamOrder)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, b := connect(t)
			rec := newRecorder(nil)
			consume(t, b, bus.ConsumerConfig{Durable: "test-deleted"}, rec.handle)
			before := rejected(t, "out_of_stock")
			publish(t, b, before)
			testkit.Eventually(t, wait, func() bool { return rec.handledCount(before.ID) > 0 }, "event before deletion not handled")

			if err := tt.delete(t.Context(), b.JetStream()); err != nil {
				t.Fatalf("delete %s: %v", tt.name, err)
			}

			after := rejected(t, "out_of_stock")
			// Until the consumer has provisioned the stream again, no stream
			// takes the event.
			testkit.EventuallyErr(t, wait, func() error { return b.Publish(t.Context(), after) })
			testkit.Eventually(t, wait, func() bool { return rec.handledCount(after.ID) > 0 }, "event after deletion not handled")
		})
	}
}
