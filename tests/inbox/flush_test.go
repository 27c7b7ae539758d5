package inbox_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/testkit"
)

// flusher is a prefetcher that emits every event it serves and writes one
// row for the whole batch at the commit (inbox.Flusher): the count of
// events it served, and the outbox rows of the events it emitted.
type flusher struct {
	prefetcher
	flushes atomic.Int32
	events  []event.Event
}

func (f *flusher) QueueWrites(q *pgx.Batch) func(bool) {
	f.flushes.Add(1)
	q.Queue(`INSERT INTO effects (event_id) VALUES ($1)`, "flushed-"+strconv.Itoa(int(f.served.Load())))
	outbox.Queue(q, f.events...)
	return nil
}

// emit serves ev by emitting it and deferring its effect; fail names an
// event whose deferred effect fails at the commit.
func (f *flusher) emit(fail string) inbox.Func {
	apply := f.apply(fail)
	return func(ctx context.Context, tx pgx.Tx, ev event.Event) error {
		if f.Serves(tx) {
			f.events = append(f.events, ev)
		}
		return apply(ctx, tx, ev)
	}
}

// isOutboxInsert tells the outbox inserts among a pool's statements.
func isOutboxInsert(s testkit.Statement) bool {
	return strings.HasPrefix(strings.TrimSpace(s.SQL), "INSERT INTO outbox")
}

// TestFlusherWritesOnceWithTheCommit checks that a Flusher's writes go
// once per batch with the COMMIT, and that the events of all the batch's
// Funcs go in one outbox insert, in order.
func TestFlusherWritesOnceWithTheCommit(t *testing.T) {
	t.Parallel()
	base := openDB(t)
	tracer := &testkit.SQLLog{}
	pool := testkit.Traced(t, base, tracer)
	msgs := messages(t, 5)
	f := &flusher{prefetcher: prefetcher{readSQL: `SELECT 1`}}
	errs := prefetched(pool, f, f.emit(""))(t.Context(), msgs)
	if diff := cmp.Diff(make([]error, len(msgs)), errs, cmp.Comparer(sameError)); diff != "" {
		t.Fatalf("results (-want +got):\n%s", diff)
	}
	if n := f.flushes.Load(); n != 1 {
		t.Errorf("QueueWrites called %d times, want 1", n)
	}
	if got := effects(t, base)["flushed-5"]; got != 1 {
		t.Errorf("flushed rows = %d, want 1", got)
	}
	if n := tracer.Count(isOutboxInsert); n != 1 {
		t.Errorf("outbox inserts = %d, want 1", n)
	}
	var want []string
	for _, m := range msgs {
		want = append(want, m.Event.ID)
	}
	if diff := cmp.Diff(want, outboxIDs(t, base)); diff != "" {
		t.Errorf("outbox rows (-want +got):\n%s", diff)
	}
}

// TestFlusherIsNotCalledInTheRerun fails a deferred write at the commit:
// the Flusher's writes are rolled back with the pipelined run, and the run
// with savepoints, where the Funcs write on their own, does not call it.
func TestFlusherIsNotCalledInTheRerun(t *testing.T) {
	t.Parallel()
	pool, msgs := openDB(t), messages(t, 3)
	if _, err := pool.Exec(t.Context(), `CREATE TABLE unique_effects (event_id text PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	bad := msgs[1].Event.ID
	f := &flusher{prefetcher: prefetcher{readSQL: `SELECT 1`}}
	errs := prefetched(pool, f, f.emit(bad))(t.Context(), msgs)
	if errs[1] == nil || errs[0] != nil || errs[2] != nil {
		t.Fatalf("errors = %v, want only the second message failed", errs)
	}
	if n := f.flushes.Load(); n != 1 {
		t.Errorf("QueueWrites called %d times, want 1 (the pipelined run)", n)
	}
	if diff := cmp.Diff(once(msgs, bad), effects(t, pool)); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
	if ids := outboxIDs(t, pool); len(ids) != 0 {
		t.Errorf("outbox rows %v, want none: the rerun emits nothing through the batch", ids)
	}
}

func outboxIDs(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, _ := pool.Query(t.Context(), `SELECT event_id::text FROM outbox ORDER BY id`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("read outbox: %v", err)
	}
	return ids
}
