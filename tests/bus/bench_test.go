package bus_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
)

// BenchmarkPublish publishes batches of 500 events, as the outbox relay
// does, and reports events per second.
func BenchmarkPublish(b *testing.B) {
	_, bs := connect(b)
	batch := make([]event.Event, 500)
	for i := range batch {
		batch[i] = rejected(b, "out_of_stock")
	}
	for b.Loop() {
		for i := range batch {
			batch[i].ID = uuid.NewString() // a new id each round, or JetStream deduplicates
		}
		if err := bs.Publish(b.Context(), batch...); err != nil {
			b.Fatalf("publish: %v", err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkConsume handles b.N events already in the stream with a handler
// that does nothing, measuring the consumer's own overhead.
func BenchmarkConsume(b *testing.B) {
	_, bs := connect(b)
	evs := make([]event.Event, b.N)
	for i := range evs {
		evs[i] = rejected(b, "out_of_stock")
	}
	for i := 0; i < len(evs); i += 1000 {
		publish(b, bs, evs[i:min(i+1000, len(evs))]...)
	}
	handled := make(chan struct{}, b.N)
	b.ResetTimer()
	c, err := bs.Consume(b.Context(), bus.ConsumerConfig{Service: "bench", Subjects: []string{"order.>"}},
		func(_ context.Context, msgs []bus.Message) []error {
			for range msgs {
				handled <- struct{}{}
			}
			return nil
		})
	if err != nil {
		b.Fatalf("consume: %v", err)
	}
	defer c.Stop()
	for range b.N {
		<-handled
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
