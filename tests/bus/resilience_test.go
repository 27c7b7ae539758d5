package bus_test

import (
	"testing"

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

func TestConsumerSurvivesDeletionOfItsDurable(t *testing.T) {
	t.Parallel()
	_, b := connect(t)
	rec := newRecorder(nil)
	consume(t, b, bus.ConsumerConfig{Durable: "test-deleted"}, rec.handle)
	before := rejected(t, "out_of_stock")
	publish(t, b, before)
	testkit.Eventually(t, wait, func() bool { return rec.handledCount(before.ID) > 0 }, "event before deletion not handled")

	if err := b.JetStream().DeleteConsumer(t.Context(), bus.StreamOrder, "test-deleted"); err != nil {
		t.Fatalf("delete consumer: %v", err)
	}

	after := rejected(t, "out_of_stock")
	publish(t, b, after)
	testkit.Eventually(t, wait, func() bool { return rec.handledCount(after.ID) > 0 }, "event after deletion not handled")
}
