package testkit

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Traced opens a second pool on pool's database whose connections report
// to tracer, for tests that count what a component sends. It is closed
// when the test ends.
func Traced(t *testing.T, pool *pgxpool.Pool, tracer pgx.QueryTracer) *pgxpool.Pool {
	t.Helper()
	cfg := pool.Config().Copy()
	cfg.ConnConfig.Tracer = tracer
	traced, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatalf("open traced pool: %v", err)
	}
	t.Cleanup(traced.Close)
	return traced
}

// Statement is one statement a pool sent: alone, or queued in a batch (a
// pipeline, as pgx.Batch and its transactions send).
type Statement struct {
	SQL     string
	Batched bool
}

// SQLLog is a pgx tracer that keeps what a pool sends, for tests that count
// round trips (Sends) or statements (Count). Pass it to Traced.
type SQLLog struct {
	mu    sync.Mutex
	sends int
	stmts []Statement
}

// TraceQueryStart keeps a single query: one round trip.
func (l *SQLLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sends++
	l.stmts = append(l.stmts, Statement{SQL: d.SQL})
	return ctx
}

// TraceQueryEnd does nothing.
func (l *SQLLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart keeps a batch's statements: one round trip.
func (l *SQLLog) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sends++
	for _, q := range d.Batch.QueuedQueries {
		l.stmts = append(l.stmts, Statement{SQL: q.SQL, Batched: true})
	}
	return ctx
}

// TraceBatchQuery does nothing.
func (l *SQLLog) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

// TraceBatchEnd does nothing.
func (l *SQLLog) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// Sends returns how many single queries and batches were sent so far.
func (l *SQLLog) Sends() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sends
}

// Count returns how many statements sent so far match.
func (l *SQLLog) Count(match func(Statement) bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.stmts {
		if match(s) {
			n++
		}
	}
	return n
}
