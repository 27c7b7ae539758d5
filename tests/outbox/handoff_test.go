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

// handedTx is a transaction whose commit hands its events to the relay:
// beginHanded queues them and takes its ticket (Handoff.QueueCommit), and
// commit or abort ends it and reports the outcome. Nothing else wakes the
// relay.
type handedTx struct {
	tx   pgx.Tx
	b    *pgx.Batch
	done func(committed bool)
}

func beginHanded(t *testing.T, pool *pgxpool.Pool, h *outbox.Handoff, evs ...event.Event) *handedTx {
	t.Helper()
	tx, err := pool.Begin(t.Context())
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	b := &pgx.Batch{}
	return &handedTx{tx: tx, b: b, done: h.QueueCommit(b, evs)}
}

func (w *handedTx) commit(t *testing.T) {
	t.Helper()
	err := w.tx.SendBatch(t.Context(), w.b).Close()
	if err == nil {
		err = w.tx.Commit(t.Context())
	}
	w.done(err == nil)
	if err != nil {
		t.Fatalf("write: %v", err)
	}
}

func (w *handedTx) abort(t *testing.T) {
	t.Helper()
	_ = w.tx.Rollback(t.Context())
	w.done(false)
}

// writeHanded writes evs in one transaction whose commit hands them over.
func writeHanded(t *testing.T, pool *pgxpool.Pool, h *outbox.Handoff, evs ...event.Event) {
	t.Helper()
	beginHanded(t, pool, h, evs...).commit(t)
}

// writeSilently commits evs without telling any relay: the insert alone,
// with no NOTIFY and no hand-off.
func writeSilently(t *testing.T, pool *pgxpool.Pool, evs ...event.Event) {
	t.Helper()
	for _, ev := range evs {
		_, err := pool.Exec(t.Context(), `INSERT INTO outbox (event_id, aggregate_id, type, source, subject,
			event_time, data_schema, trace_parent, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			ev.ID, ev.Subject, ev.Type, ev.Source, ev.NATSSubject(), ev.Time, ev.DataSchema, ev.TraceParent, []byte(ev.Data))
		if err != nil {
			t.Fatalf("write: %v", err)
		}
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
// so that later claims are the test's. It returns the relay's pool, bus,
// hand-off and claim counter.
func idleRelay(t *testing.T) (*pgxpool.Pool, *bus.Bus, *outbox.Handoff, *testkit.SQLLog) {
	t.Helper()
	pool, pub, h, tracer := idleCountingRelay(t)
	return pool, pub.b, h, tracer
}

// idleCountingRelay is idleRelay whose relay publishes through a
// countingPublisher.
func idleCountingRelay(t *testing.T) (*pgxpool.Pool, *countingPublisher, *outbox.Handoff, *testkit.SQLLog) {
	t.Helper()
	tracer := &testkit.SQLLog{}
	pool, pub := testkit.Traced(t, openDB(t), tracer), &countingPublisher{b: connect(t, testkit.NATS(t))}
	h := outbox.NewHandoff()
	r := outbox.NewRelay(pool, pub, quietLog(), outbox.Options{PollInterval: time.Hour, Handoff: h})
	runRelay(t, r)
	testkit.Eventually(t, wait, func() bool { return r.Leader() && tracer.Count(isClaim) > 0 }, "relay never led and claimed")
	return pool, pub, h, tracer
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
// claims nothing.
func TestRelayPublishesHandedEventsWithoutClaiming(t *testing.T) {
	t.Parallel()
	pool, b, h, tracer := idleRelay(t)
	before := tracer.Count(isClaim)
	var all []event.Event
	for range 3 {
		evs := rejected(t, 2)
		writeHanded(t, pool, h, evs...)
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
// transaction first: its events wait for the first ticket's.
func TestTicketsPublishInTheOrderTheyWereTaken(t *testing.T) {
	t.Parallel()
	pool, b, h, _ := idleRelay(t)
	evs := rejected(t, 2)
	first, second := beginHanded(t, pool, h, evs[0]), beginHanded(t, pool, h, evs[1])
	second.commit(t)
	first.commit(t)
	if diff := cmp.Diff([]string{evs[0].ID, evs[1].ID}, relayedOrder(t, pool, b)); diff != "" {
		t.Errorf("stream order (-want +got):\n%s", diff)
	}
}

// TestClaimedEventsAreNotPublishedAgainByTheirTicket commits a handed
// transaction while an earlier ticket is still pending, then wakes a claim,
// which publishes the committed rows: once the earlier ticket commits, the
// later one does not publish its events a second time.
func TestClaimedEventsAreNotPublishedAgainByTheirTicket(t *testing.T) {
	t.Parallel()
	pool, pub, h, _ := idleCountingRelay(t)
	evs := rejected(t, 3)
	first, second := beginHanded(t, pool, h, evs[0]), beginHanded(t, pool, h, evs[1])
	second.commit(t)     // its ticket waits behind first's
	add(t, pool, evs[2]) // its NOTIFY wakes a claim, which finds evs[1] and evs[2]
	testkit.Eventually(t, wait, func() bool { return pub.published.Load() == 2 }, "the claim never published")
	first.commit(t)
	testkit.Eventually(t, wait, func() bool { return unsent(t, pool) == 0 }, "rows not relayed")
	if diff := cmp.Diff(idCounts(evs), streamIDs(t, pub.b)); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
	if n := pub.published.Load(); n != 3 {
		t.Errorf("%d events published, want 3: a claimed event was published again by its ticket", n)
	}
}

// TestGuardedHandOverWaitsForAnEarlierUnsentEvent leaves an event of an
// order unsent and hands over the order's next one: the guard sees the
// earlier event, so the relay claims and publishes both in order instead
// of publishing the later one alone.
func TestGuardedHandOverWaitsForAnEarlierUnsentEvent(t *testing.T) {
	t.Parallel()
	pool, b, h, _ := idleRelay(t)
	evs := ofOneOrder(t, 2)
	writeSilently(t, pool, evs[0])
	writeHanded(t, pool, h, evs[1])
	if diff := cmp.Diff([]string{evs[0].ID, evs[1].ID}, relayedOrder(t, pool, b)); diff != "" {
		t.Errorf("stream order (-want +got):\n%s", diff)
	}
}

// TestAbortedTicketPublishesNothing rolls a ticket's transaction back: the
// tickets behind it are published, its events are not.
func TestAbortedTicketPublishesNothing(t *testing.T) {
	t.Parallel()
	pool, b, h, _ := idleRelay(t)
	lost, kept := rejected(t, 1), rejected(t, 1)
	aborted := beginHanded(t, pool, h, lost...)
	writeHanded(t, pool, h, kept...)
	aborted.abort(t)
	if diff := cmp.Diff([]string{kept[0].ID}, relayedOrder(t, pool, b)); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
}

// TestHandoffWithoutRelayIsThePlainOutbox writes through a nil hand-off and
// through one no relay was given: either queues the NOTIFY of the plain
// outbox, which alone wakes a relay that polls once an hour.
func TestHandoffWithoutRelayIsThePlainOutbox(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		h    *outbox.Handoff
	}{
		{"nil", nil},
		{"no relay attached", outbox.NewHandoff()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool, b := openDB(t), connect(t, testkit.NATS(t))
			r := outbox.NewRelay(pool, b, quietLog(), outbox.Options{PollInterval: time.Hour})
			runRelay(t, r)
			testkit.Eventually(t, wait, r.Leader, "relay never became leader")
			evs := rejected(t, 2)
			writeHanded(t, pool, tc.h, evs...)
			testkit.Eventually(t, wait, func() bool { return unsent(t, pool) == 0 }, "rows not relayed")
			if diff := cmp.Diff(idCounts(evs), streamIDs(t, b)); diff != "" {
				t.Errorf("stream (-want +got):\n%s", diff)
			}
		})
	}
}
