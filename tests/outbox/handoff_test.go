package outbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/testkit"
)

// isClaim tells the relay's claim among the statements of a pool.
func isClaim(s testkit.Statement) bool {
	return strings.Contains(s.SQL, "FROM outbox WHERE sent_at IS NULL") && strings.Contains(s.SQL, "SKIP LOCKED")
}

// ofOneOrder builds n valid events about one order, as a transaction
// about that order would emit.
func ofOneOrder(t *testing.T, n int) []event.Event {
	t.Helper()
	orderID := uuid.Must(uuid.NewV7()).String()
	evs := make([]event.Event, n)
	for i := range evs {
		ev, err := event.New("order", schemas.TypeOrderRejectedV1, orderID,
			schemas.OrderRejectedV1{OrderID: orderID, CustomerID: "alice", Reason: "out_of_stock"})
		if err != nil {
			t.Fatalf("new event: %v", err)
		}
		evs[i] = ev
	}
	return evs
}

// writeHanded writes evs in one transaction whose commit carries the guard
// when guarded, and reports the outcome on tk. Nothing else wakes the
// relay.
func writeHanded(t *testing.T, pool *pgxpool.Pool, tk *outbox.Ticket, guarded bool, evs ...event.Event) {
	t.Helper()
	tx, err := pool.Begin(t.Context())
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	b := &pgx.Batch{}
	outbox.Queue(b, evs...)
	var g *outbox.Guard
	if guarded {
		g = tk.QueueGuard(b, evs)
	}
	err = tx.SendBatch(t.Context(), b).Close()
	if err == nil {
		err = tx.Commit(t.Context())
	}
	tk.Done(err == nil, g, evs)
	if err != nil {
		t.Fatalf("write: %v", err)
	}
}

// writeSilently commits evs without telling any relay.
func writeSilently(t *testing.T, pool *pgxpool.Pool, evs ...event.Event) {
	t.Helper()
	b := &pgx.Batch{}
	outbox.Queue(b, evs...)
	if err := pool.SendBatch(t.Context(), b).Close(); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// streamOrder returns the ce-ids of the ORDER stream in stream order.
func streamOrder(t *testing.T, b *bus.Bus) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	c, err := b.JetStream().OrderedConsumer(ctx, bus.StreamOrder, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatalf("ordered consumer: %v", err)
	}
	var ids []string
	for {
		batch, err := c.FetchNoWait(1000)
		if err != nil {
			t.Fatalf("fetch: %v", err)
		}
		n := 0
		for m := range batch.Messages() {
			ids = append(ids, m.Headers().Get("ce-id"))
			n++
		}
		if batch.Error() != nil {
			t.Fatalf("fetch: %v", batch.Error())
		}
		if n == 0 {
			return ids
		}
	}
}

// idleRelay starts, on a fresh database and NATS server, a relay that
// polls once an hour, and waits until it leads and made its first claim,
// so that later claims are the test's. It returns the relay's pool, bus
// and claim counter.
func idleRelay(t *testing.T) (*pgxpool.Pool, *bus.Bus, *testkit.SQLLog) {
	t.Helper()
	tracer := &testkit.SQLLog{}
	pool, b := testkit.Traced(t, openDB(t), tracer), connect(t, testkit.NATS(t))
	r := outbox.NewRelay(pool, b, quietLog(), outbox.Options{PollInterval: time.Hour})
	runRelay(t, r)
	testkit.Eventually(t, wait, func() bool { return r.Leader() && tracer.Count(isClaim) > 0 }, "relay never led and claimed")
	return pool, b, tracer
}

// relayedOrder waits until no row of pool is unsent and returns the
// stream's event ids in stream order.
func relayedOrder(t *testing.T, pool *pgxpool.Pool, b *bus.Bus) []string {
	t.Helper()
	testkit.Eventually(t, wait, func() bool { return unsent(t, pool) == 0 }, "rows not relayed")
	return streamOrder(t, b)
}

// TestRelayPublishesHandedEventsWithoutClaiming hands three transactions'
// events to the relay: they are published and marked sent, and the relay
// claims nothing. Not parallel: other tests' writers wake every relay of
// the process, which would make it claim.
func TestRelayPublishesHandedEventsWithoutClaiming(t *testing.T) {
	pool, b, tracer := idleRelay(t)
	before := tracer.Count(isClaim)
	var all []event.Event
	for range 3 {
		evs := rejected(t, 2)
		tk := outbox.Reserve(pool)
		if tk == nil {
			t.Fatal("Reserve: no ticket from the leader relay of this database")
		}
		writeHanded(t, pool, tk, true, evs...)
		all = append(all, evs...)
	}
	testkit.Eventually(t, wait, func() bool { return unsent(t, pool) == 0 }, "handed rows not marked sent")
	if diff := cmp.Diff(idCounts(all), streamIDs(t, b)); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
	if n := tracer.Count(isClaim) - before; n != 0 {
		t.Errorf("relay claimed %d times for handed events, want 0", n)
	}
}

// TestTicketsPublishInTheOrderTheyWereTaken commits the second ticket's
// transaction first: its events wait for the first ticket's. Not parallel:
// the two unguarded writes of one order commit in reverse, which the
// order's row lock rules out in the services, and a claim woken by another
// test's writer between the two commits would publish the second alone.
func TestTicketsPublishInTheOrderTheyWereTaken(t *testing.T) {
	pool, b, _ := idleRelay(t)
	evs := ofOneOrder(t, 2)
	first, second := outbox.Reserve(pool), outbox.Reserve(pool)
	writeHanded(t, pool, second, false, evs[1])
	writeHanded(t, pool, first, false, evs[0])
	if diff := cmp.Diff([]string{evs[0].ID, evs[1].ID}, relayedOrder(t, pool, b)); diff != "" {
		t.Errorf("stream order (-want +got):\n%s", diff)
	}
}

// TestGuardedHandOverWaitsForAnEarlierUnsentEvent leaves an event of an
// order unsent and hands over the order's next one: the guard sees the
// earlier event, so the relay claims and publishes both in order instead
// of publishing the later one alone.
func TestGuardedHandOverWaitsForAnEarlierUnsentEvent(t *testing.T) {
	t.Parallel()
	pool, b, _ := idleRelay(t)
	evs := ofOneOrder(t, 2)
	writeSilently(t, pool, evs[0])
	writeHanded(t, pool, outbox.Reserve(pool), true, evs[1])
	if diff := cmp.Diff([]string{evs[0].ID, evs[1].ID}, relayedOrder(t, pool, b)); diff != "" {
		t.Errorf("stream order (-want +got):\n%s", diff)
	}
}

// TestAbortedTicketPublishesNothing rolls a ticket's transaction back: the
// tickets behind it are published, its events are not.
func TestAbortedTicketPublishesNothing(t *testing.T) {
	t.Parallel()
	pool, b, _ := idleRelay(t)
	lost, kept := rejected(t, 1), rejected(t, 1)
	aborted := outbox.Reserve(pool)
	writeHanded(t, pool, outbox.Reserve(pool), true, kept...)
	aborted.Done(false, nil, lost)
	if diff := cmp.Diff([]string{kept[0].ID}, relayedOrder(t, pool, b)); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
}
