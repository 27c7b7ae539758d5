package bus_test

import (
	"testing"

	"github.com/google/uuid"

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
