package outbox_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/testkit"
)

// TestRelayWakesOnNotify sets a poll interval far longer than the test, so
// only the NOTIFY of Add can make the relay publish.
func TestRelayWakesOnNotify(t *testing.T) {
	t.Parallel()
	pool, b := openDB(t), connect(t, testkit.NATS(t))
	r := outbox.NewRelay(pool, b, quietLog(), outbox.Options{PollInterval: time.Hour})
	runRelay(t, r)
	testkit.Eventually(t, wait, r.Leader, "relay never became leader")
	for round := range 3 {
		evs := rejected(t, 1+round)
		add(t, pool, evs...)
		testkit.Eventually(t, wait, func() bool { return unsent(t, pool) == 0 }, "round %d not relayed", round)
	}
	if got := streamCount(t, b); got != 6 {
		t.Errorf("stream holds %d messages, want 6", got)
	}
}

// TestPruneDeletesOnlyOldSentRows checks that sent rows past the retention
// go and unsent rows stay, whatever their age.
func TestPruneDeletesOnlyOldSentRows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retention  time.Duration
		wantPruned int64
	}{
		{"past retention", time.Millisecond, 5},
		{"within retention", time.Hour, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool, b := openDB(t), connect(t, testkit.NATS(t))
			r := outbox.NewRelay(pool, b, quietLog(), outbox.Options{Retention: tc.retention})
			stop := runRelay(t, r)
			add(t, pool, rejected(t, 5)...)
			testkit.Eventually(t, wait, func() bool { return unsent(t, pool) == 0 }, "rows left unsent")
			stop()
			add(t, pool, rejected(t, 2)...)
			if _, err := pool.Exec(t.Context(), `UPDATE outbox SET created_at = created_at - interval '1 minute',
				sent_at = sent_at - interval '1 minute'`); err != nil {
				t.Fatalf("age rows: %v", err)
			}

			pruned, err := r.Prune(t.Context())
			if err != nil {
				t.Fatalf("prune: %v", err)
			}
			if pruned != tc.wantPruned {
				t.Errorf("pruned %d rows, want %d", pruned, tc.wantPruned)
			}
			var sent, notSent int
			err = pool.QueryRow(t.Context(), `SELECT count(sent_at), count(*) - count(sent_at) FROM outbox`).Scan(&sent, &notSent)
			if err != nil {
				t.Fatalf("count rows: %v", err)
			}
			want := map[string]int{"sent": 5 - int(tc.wantPruned), "unsent": 2}
			if diff := cmp.Diff(want, map[string]int{"sent": sent, "unsent": notSent}); diff != "" {
				t.Errorf("rows left (-want +got):\n%s", diff)
			}
		})
	}
}
