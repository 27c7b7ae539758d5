package ports_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/inventory/internal/app"
	"github.com/eventshop/eventshop/services/inventory/internal/ports"
	"github.com/eventshop/eventshop/services/inventory/internal/service"
	"github.com/eventshop/eventshop/testkit"
)

const wait = 20 * time.Second

// saga runs the inventory's consumer and relay against real NATS and
// PostgreSQL, the way the service runs them.
type saga struct {
	t    *testing.T
	bus  *bus.Bus
	pool *pgxpool.Pool
	app  app.Application
}

func newSaga(t *testing.T) *saga {
	t.Helper()
	ctx := context.Background()
	b, err := bus.Connect(ctx, testkit.NATS(t).URL(), "inventory-test", discard)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(b.Close)
	if err := b.Provision(ctx); err != nil {
		t.Fatalf("provision: %v", err)
	}
	pool := newDatabase(t)
	s := &saga{t: t, bus: b, pool: pool, app: newApp(pool)}

	relayCtx, stopRelay := context.WithCancel(ctx)
	relayDone := make(chan struct{})
	go func() {
		defer close(relayDone)
		_ = outbox.NewRelay(pool, b, discard, outbox.Options{}).Run(relayCtx)
	}()
	t.Cleanup(func() { stopRelay(); <-relayDone })

	consumer, err := ports.NewEventHandlers(service.OrderBatches(pool, nil)).Consume(ctx, b, pool)
	if err != nil {
		t.Fatalf("consume: %v", err)
	}
	t.Cleanup(consumer.Stop)
	return s
}

func placed(orderID string, lines ...schemas.Line) schemas.OrderPlacedV2 {
	var total int64
	for _, l := range lines {
		total += l.PriceCents * int64(l.Quantity)
	}
	return schemas.OrderPlacedV2{
		OrderID: orderID, CustomerID: "alice", Items: lines,
		TotalCents: total, Currency: "EUR", PaymentMethod: "tok_visa", Channel: "web",
	}
}

// newEvent builds an order event about orderID.
func (s *saga) newEvent(typ, orderID string, payload any) event.Event {
	s.t.Helper()
	ev, err := event.New("order", typ, orderID, payload)
	if err != nil {
		s.t.Fatalf("new %s: %v", typ, err)
	}
	return ev
}

// publish publishes ev with msgID as Nats-Msg-Id (the event id when empty)
// and returns its stream sequence.
func (s *saga) publish(ev event.Event, msgID string) uint64 {
	s.t.Helper()
	msg := bus.NewMsg(ev)
	if msgID != "" {
		msg.Header.Set(jetstream.MsgIDHeader, msgID)
	}
	ack, err := s.bus.JetStream().PublishMsg(context.Background(), msg)
	if err != nil {
		s.t.Fatalf("publish %s: %v", ev.Type, err)
	}
	return ack.Sequence
}

// publishAndSettle publishes ev and waits until the consumer acked it.
func (s *saga) publishAndSettle(ev event.Event) {
	s.t.Helper()
	s.awaitAcked(s.publish(ev, ""))
}

// awaitAcked waits until the consumer acked every message up to seq.
func (s *saga) awaitAcked(seq uint64) {
	s.t.Helper()
	testkit.EventuallyErr(s.t, wait, func() error {
		c, err := s.bus.JetStream().Consumer(context.Background(), "ORDER", ports.OrdersConsumer)
		if err != nil {
			return err
		}
		info, err := c.Info(context.Background())
		if err != nil {
			return err
		}
		if info.AckFloor.Stream < seq {
			return errNotYet
		}
		return nil
	})
}

// published returns the payloads the inventory published on subject, decoded
// into T, waiting until there are want of them.
func published[T any](s *saga, subject string, want int) []T {
	s.t.Helper()
	var out []T
	testkit.EventuallyErr(s.t, wait, func() error {
		msgs, err := s.read(subject)
		if err != nil {
			return err
		}
		if len(msgs) < want {
			return errNotYet
		}
		out = out[:0]
		for _, m := range msgs {
			var v T
			if err := json.Unmarshal(m.Data(), &v); err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out
}

// read returns every message in the INVENTORY stream on subject.
func (s *saga) read(subject string) ([]jetstream.Msg, error) {
	ctx := context.Background()
	c, err := s.bus.JetStream().OrderedConsumer(ctx, "INVENTORY", jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject},
	})
	if err != nil {
		return nil, err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return nil, err
	}
	n := int(info.NumPending)
	if n == 0 {
		return nil, nil
	}
	// Fetch returns as soon as the n pending messages arrived.
	batch, err := c.Fetch(n, jetstream.FetchMaxWait(wait))
	if err != nil {
		return nil, err
	}
	var msgs []jetstream.Msg
	for m := range batch.Messages() {
		msgs = append(msgs, m)
	}
	return msgs, batch.Error()
}

var errNotYet = errors.New("not yet")

// awaitRelayed waits until the relay published every outbox row.
func (s *saga) awaitRelayed() {
	s.t.Helper()
	testkit.Eventually(s.t, wait, func() bool {
		var pending int
		err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE sent_at IS NULL`).Scan(&pending)
		return err == nil && pending == 0
	}, "outbox still has unsent rows")
}

func newOrderID() string { return uuid.NewString() }
