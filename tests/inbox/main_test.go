package inbox_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/testkit"
)

// wait bounds every poll; generous because the machine is shared.
const wait = 60 * time.Second

var errBoom = errors.New("boom")

func TestMain(m *testing.M) { testkit.Main(m) }

// openDB returns a pool on a fresh database with the platform tables and a
// keyless effects table, where a second effect of an event shows as a second row.
func openDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgdb.Open(t.Context(), testkit.Postgres(t), nil)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(pool.Close)
	if _, err := pool.Exec(t.Context(), `CREATE TABLE effects (event_id text NOT NULL)`); err != nil {
		t.Fatalf("create effects: %v", err)
	}
	return pool
}

// messages builds n messages carrying valid events about new orders.
func messages(t *testing.T, n int) []bus.Message {
	t.Helper()
	msgs := make([]bus.Message, n)
	for i := range msgs {
		orderID := uuid.Must(uuid.NewV7()).String()
		ev, err := event.New("order", schemas.TypeOrderRejectedV1, orderID,
			schemas.OrderRejectedV1{OrderID: orderID, CustomerID: "alice", Reason: "out_of_stock"})
		if err != nil {
			t.Fatalf("new event: %v", err)
		}
		msgs[i] = bus.Message{Event: ev, Delivered: 1, Stream: bus.StreamOrder, Sequence: uint64(i + 1)}
	}
	return msgs
}

// effector writes one effect row per call and fails the events in fail.
type effector struct {
	mu    sync.Mutex
	fail  map[string]bool
	calls map[string]int
}

func newEffector(fail ...string) *effector {
	e := &effector{fail: map[string]bool{}, calls: map[string]int{}}
	for _, id := range fail {
		e.fail[id] = true
	}
	return e
}

func (e *effector) apply(ctx context.Context, tx pgx.Tx, ev event.Event) error {
	e.mu.Lock()
	e.calls[ev.ID]++
	fail := e.fail[ev.ID]
	e.mu.Unlock()
	if _, err := tx.Exec(ctx, `INSERT INTO effects (event_id) VALUES ($1)`, ev.ID); err != nil {
		return err
	}
	if fail {
		return errBoom
	}
	return nil
}

// effects returns how many effect rows each event id has.
func effects(t *testing.T, pool *pgxpool.Pool) map[string]int {
	t.Helper()
	return countBy(t, pool, `SELECT event_id, count(*)::int FROM effects GROUP BY event_id`)
}

// recorded returns the inbox rows of consumer, one count per event id.
func recorded(t *testing.T, pool *pgxpool.Pool, consumer string) map[string]int {
	t.Helper()
	return countBy(t, pool, `SELECT event_id::text, 1 FROM inbox WHERE consumer = $1`, consumer)
}

func countBy(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) map[string]int {
	t.Helper()
	rows, _ := pool.Query(t.Context(), sql, args...)
	m := map[string]int{}
	var id string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error { m[id] = n; return nil }); err != nil {
		t.Fatalf("query: %v", err)
	}
	return m
}

// once maps every message's event id to 1, except those in skip.
func once(msgs []bus.Message, skip ...string) map[string]int {
	m := map[string]int{}
	for _, msg := range msgs {
		m[msg.Event.ID] = 1
	}
	for _, id := range skip {
		delete(m, id)
	}
	return m
}
