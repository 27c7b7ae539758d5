package inbox_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/bus"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/testkit"
)

// prefetcher reads the effects table with the BEGIN and defers one effect
// row per event to the COMMIT. readSQL is what it reads; it remembers how
// many rows it saw, and which runs it served.
type prefetcher struct {
	inbox.Batch
	readSQL string
	seen    int
	served  atomic.Int32
}

func (p *prefetcher) QueueReads(q *pgx.Batch) {
	q.Queue(p.readSQL).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			p.seen++
		}
		return rows.Err()
	})
}

// prefetched runs fn through inbox.PrefetchHandler with p as the state of
// the batch, as a service passes its own.
func prefetched[P inbox.Prefetcher](pool *pgxpool.Pool, p P, fn inbox.Func) bus.BatchHandler {
	return inbox.PrefetchHandler(pool, "test", func([]bus.Message) P { return p },
		func(ctx context.Context, tx pgx.Tx, _ P, ev event.Event) error { return fn(ctx, tx, ev) })
}

// apply defers ev's effect when p serves tx, and otherwise writes it at
// once; fail names events whose effect is written twice into a table with a
// unique key, which fails.
func (p *prefetcher) apply(fail string) inbox.Func {
	return func(ctx context.Context, tx pgx.Tx, ev event.Event) error {
		sql := `INSERT INTO effects (event_id) VALUES ($1)`
		if ev.ID == fail {
			sql = `INSERT INTO unique_effects (event_id) VALUES ($1), ($1)`
		}
		if p.Serves(tx) {
			p.served.Add(1)
			p.Deferred().Queue(sql, ev.ID)
			return nil
		}
		_, err := tx.Exec(ctx, sql, ev.ID)
		return err
	}
}

// TestHandlerPipelinesPrefetchAndDeferredWrites checks that a batch with a
// Prefetcher costs two round trips: BEGIN with the inbox record and the
// reads, then the deferred writes with the COMMIT; and that those writes
// are committed.
func TestHandlerPipelinesPrefetchAndDeferredWrites(t *testing.T) {
	t.Parallel()
	base := openDB(t)
	tracer := &testkit.SQLLog{}
	pool := testkit.Traced(t, base, tracer)
	if _, err := pool.Exec(t.Context(), `INSERT INTO effects (event_id) VALUES ('earlier'), ('earlier2')`); err != nil {
		t.Fatal(err)
	}
	for round := range 2 { // the first round warms the connection's statement cache
		msgs := messages(t, 5)
		p := &prefetcher{readSQL: `SELECT event_id FROM effects WHERE event_id LIKE 'earlier%'`}
		before := tracer.Sends()
		errs := prefetched(pool, p, p.apply(""))(t.Context(), msgs)
		if diff := cmp.Diff(make([]error, len(msgs)), errs, cmp.Comparer(sameError)); diff != "" {
			t.Fatalf("round %d results (-want +got):\n%s", round, diff)
		}
		if p.seen != 2 || p.served.Load() != 5 {
			t.Errorf("round %d: prefetch saw %d rows and served %d events, want 2 and 5", round, p.seen, p.served.Load())
		}
		if got := recorded(t, base, "test"); len(got) != 5*(round+1) {
			t.Errorf("round %d: %d inbox rows, want %d", round, len(got), 5*(round+1))
		}
		if round == 1 {
			if sends := tracer.Sends() - before; sends != 2 {
				t.Errorf("round trips for a batch = %d, want 2", sends)
			}
			want := once(msgs)
			got := effects(t, base)
			for id := range want {
				if got[id] != 1 {
					t.Errorf("effect of %s: %d rows, want 1", id, got[id])
				}
			}
		}
	}
}

// TestHandlerRerunsWhenDeferredWritesFail fails one deferred write at the
// commit: nothing of the pipelined run is kept, and the run with savepoints,
// where the Prefetcher serves nothing, commits the other messages.
func TestHandlerRerunsWhenDeferredWritesFail(t *testing.T) {
	t.Parallel()
	pool, msgs := openDB(t), messages(t, 4)
	if _, err := pool.Exec(t.Context(), `CREATE TABLE unique_effects (event_id text PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	bad := msgs[2].Event.ID
	p := &prefetcher{readSQL: `SELECT 1`}
	errs := prefetched(pool, p, p.apply(bad))(t.Context(), msgs)
	got := make([]bool, len(errs))
	for i, err := range errs {
		got[i] = err != nil
	}
	if diff := cmp.Diff([]bool{false, false, true, false}, got); diff != "" {
		t.Errorf("failed messages (-want +got):\n%s; errors %v", diff, errs)
	}
	if diff := cmp.Diff(once(msgs, bad), effects(t, pool)); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(once(msgs, bad), recorded(t, pool, "test")); diff != "" {
		t.Errorf("inbox (-want +got):\n%s", diff)
	}
}

// TestHandlerRerunsWhenPrefetchFails fails the Prefetcher's read: the
// batch runs again with savepoints and without the prefetched state, and
// every message commits.
func TestHandlerRerunsWhenPrefetchFails(t *testing.T) {
	t.Parallel()
	pool, msgs := openDB(t), messages(t, 3)
	p := &prefetcher{readSQL: `SELECT 1 / 0`}
	errs := prefetched(pool, p, p.apply(""))(t.Context(), msgs)
	if diff := cmp.Diff(make([]error, len(msgs)), errs, cmp.Comparer(sameError)); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if n := p.served.Load(); n != 0 {
		t.Errorf("prefetcher served %d events after its read failed, want 0", n)
	}
	if diff := cmp.Diff(once(msgs), effects(t, pool)); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
}
