package bus_test

import (
	"context"
	"errors"
	"log/slog"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/schemas"
)

// A service connects, provisions the streams, consumes the events it
// reacts to and publishes its own.
func Example() {
	ctx := context.Background()
	b, err := bus.Connect(ctx, "nats://127.0.0.1:4222", "inventory", slog.Default())
	if err != nil {
		return
	}
	defer b.Close()
	if err := b.Provision(ctx); err != nil {
		return
	}
	c, err := b.Consume(ctx, bus.ConsumerConfig{
		Service:  "inventory",
		Durable:  "inventory-orders",
		Subjects: []string{"order.placed.>", "order.cancelled.>"},
	}, bus.Each(func(ctx context.Context, ev event.Event) error {
		var placed schemas.OrderPlacedV1
		if err := ev.Decode(&placed); err != nil {
			return bus.Permanent(err) // retrying cannot fix a payload
		}
		return nil
	}))
	if err != nil {
		return
	}
	defer c.Stop()
	_ = b.Publish(ctx)
}

func ExamplePermanent() {
	err := bus.Permanent(errors.New("unknown product"))
	wrapped := errors.Join(errors.New("reserve stock"), err)
	_ = bus.IsPermanent(wrapped) // true: dead-lettered without retries
}
