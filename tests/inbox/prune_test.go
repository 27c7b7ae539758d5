package inbox_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/pkg/inbox"
)

// TestPruneDeletesOnlyRowsOlderThanAge stores more old rows than one
// delete takes and a few recent ones: Prune deletes every old row, chunk by
// chunk, and keeps the recent ones.
func TestPruneDeletesOnlyRowsOlderThanAge(t *testing.T) {
	t.Parallel()
	pool := openDB(t)
	ctx := t.Context()
	const old = 25000
	if _, err := pool.Exec(ctx, `INSERT INTO inbox (consumer, event_id, processed_at)
		SELECT 'old', gen_random_uuid(), now() - interval '8 days' FROM generate_series(1, $1)`, old); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO inbox (consumer, event_id)
		SELECT 'recent', gen_random_uuid() FROM generate_series(1, 3)`); err != nil {
		t.Fatal(err)
	}
	n, err := inbox.Prune(ctx, pool, inbox.DefaultRetention)
	if err != nil || n != old {
		t.Fatalf("Prune = %d, %v; want %d, nil", n, err, old)
	}
	left := countBy(t, pool, `SELECT consumer, count(*)::int FROM inbox GROUP BY consumer`)
	if diff := cmp.Diff(map[string]int{"recent": 3}, left); diff != "" {
		t.Errorf("rows left (-want +got):\n%s", diff)
	}
	if n, err := inbox.Prune(ctx, pool, time.Hour); err != nil || n != 0 {
		t.Errorf("second Prune = %d, %v; want 0, nil", n, err)
	}
}
