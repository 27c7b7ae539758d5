package outbox_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/testkit"
)

// TestRelayCrashBeforeMarkingRepublishes kills a relay after JetStream acked
// a batch and before the rows were marked sent: the next relay publishes the
// rows again, the stream holds each event once, and a consumer behind the
// inbox applies each once.
func TestRelayCrashBeforeMarkingRepublishes(t *testing.T) {
	t.Parallel()
	pool, b := openDB(t), connect(t, testkit.NATS(t))
	createEffects(t, pool)
	consume(t, b, pool)
	evs := rejected(t, 30)
	add(t, pool, evs...)

	var crashes atomic.Int64
	crashing := &countingPublisher{b: b}
	stop := runRelay(t, outbox.NewRelay(pool, crashing, quietLog(), outbox.Options{
		AfterPublish: func() error { crashes.Add(1); return outbox.ErrCrash },
	}))
	testkit.Eventually(t, wait, func() bool { return crashes.Load() > 0 }, "relay never published")
	stop()
	if n := unsent(t, pool); n != len(evs) {
		t.Fatalf("after the crash %d rows are unsent, want all %d", n, len(evs))
	}

	restarted := &countingPublisher{b: b}
	runRelay(t, outbox.NewRelay(pool, restarted, quietLog(), outbox.Options{}))
	testkit.Eventually(t, wait, func() bool { return unsent(t, pool) == 0 }, "rows left unsent")
	if got := restarted.published.Load(); got != int64(len(evs)) {
		t.Errorf("restarted relay published %d events, want %d again", got, len(evs))
	}
	if diff := cmp.Diff(idCounts(evs), streamIDs(t, b)); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
	testkit.Eventually(t, wait, func() bool { return len(effects(t, pool)) == len(evs) }, "effects missing")
	if diff := cmp.Diff(idCounts(evs), effects(t, pool)); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
}

// TestRelayFindsRowCommittedOutOfIDOrder commits a transaction holding a
// lower id after one holding a higher id was relayed.
func TestRelayFindsRowCommittedOutOfIDOrder(t *testing.T) {
	t.Parallel()
	pool, b := openDB(t), connect(t, testkit.NATS(t))
	runRelay(t, outbox.NewRelay(pool, b, quietLog(), outbox.Options{}))
	evs := rejected(t, 2)
	early, late := evs[0], evs[1]

	txA, err := pool.Begin(t.Context())
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	defer txA.Rollback(context.Background())
	if err := outbox.Add(t.Context(), txA, early); err != nil {
		t.Fatalf("add in A: %v", err)
	}
	add(t, pool, late)
	testkit.Eventually(t, wait, func() bool { return streamIDs(t, b)[late.ID] == 1 }, "B never relayed")
	if err := txA.Commit(t.Context()); err != nil {
		t.Fatalf("commit A: %v", err)
	}
	testkit.Eventually(t, wait, func() bool { return streamIDs(t, b)[early.ID] == 1 }, "A was skipped")

	var idA, idB int64
	q := `SELECT id FROM outbox WHERE event_id = $1`
	if err := pool.QueryRow(t.Context(), q, early.ID).Scan(&idA); err != nil {
		t.Fatalf("id of A: %v", err)
	}
	if err := pool.QueryRow(t.Context(), q, late.ID).Scan(&idB); err != nil {
		t.Fatalf("id of B: %v", err)
	}
	if idA >= idB {
		t.Errorf("A has id %d, B %d: the test did not commit out of id order", idA, idB)
	}
}

// TestRelayRidesThroughNATSRestart keeps adding rows while NATS restarts.
func TestRelayRidesThroughNATSRestart(t *testing.T) {
	t.Parallel()
	pool, srv := openDB(t), testkit.NATS(t)
	b := connect(t, srv)
	runRelay(t, outbox.NewRelay(pool, b, quietLog(), outbox.Options{PollInterval: 100 * time.Millisecond}))
	var all []event.Event
	for round := range 3 {
		evs := rejected(t, 200)
		add(t, pool, evs...)
		all = append(all, evs...)
		if round == 1 {
			srv.Restart(t)
		}
	}
	testkit.Eventually(t, wait, func() bool { return unsent(t, pool) == 0 }, "rows left unsent")
	if diff := cmp.Diff(idCounts(all), streamIDs(t, b)); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
}
