package outbox_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
)

// createEffects makes the table the test consumer writes its effect to; it
// has no key, so a second effect of one event would show as a second row.
func createEffects(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	if _, err := pool.Exec(t.Context(), `CREATE TABLE effects (event_id text NOT NULL)`); err != nil {
		t.Fatalf("create effects: %v", err)
	}
}

// effects returns how many effect rows each event id has.
func effects(t *testing.T, pool *pgxpool.Pool) map[string]int {
	t.Helper()
	rows, _ := pool.Query(t.Context(), `SELECT event_id, count(*)::int FROM effects GROUP BY event_id`)
	m := map[string]int{}
	var id string
	var n int
	_, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error { m[id] = n; return nil })
	if err != nil {
		t.Fatalf("read effects: %v", err)
	}
	return m
}

// consume applies every order.rejected event to the effects table through
// the inbox, until the test ends.
func consume(t *testing.T, b *bus.Bus, pool *pgxpool.Pool) {
	t.Helper()
	h := inbox.Handler(pool, "test-effects", func(ctx context.Context, tx pgx.Tx, ev event.Event) error {
		_, err := tx.Exec(ctx, `INSERT INTO effects (event_id) VALUES ($1)`, ev.ID)
		return err
	})
	c, err := b.Consume(t.Context(), bus.ConsumerConfig{
		Service: "test", Durable: "test-effects", Subjects: []string{"order.rejected.>"},
	}, h)
	if err != nil {
		t.Fatalf("consume: %v", err)
	}
	t.Cleanup(c.Stop)
}
