package outbox_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/testkit"
)

// TestTwoRelaysPublishEveryRowOnce runs two relays on one table while
// writers add 5,000 rows; then the leader stops and the other takes over.
func TestTwoRelaysPublishEveryRowOnce(t *testing.T) {
	t.Parallel()
	pool, b := openDB(t), connect(t, testkit.NATS(t))
	pubs := []*countingPublisher{{b: b}, {b: b}}
	relays := make([]*outbox.Relay, len(pubs))
	stops := make([]func(), len(pubs))
	for i, p := range pubs {
		relays[i] = outbox.NewRelay(pool, p, quietLog(), outbox.Options{BatchSize: 100, PollInterval: 100 * time.Millisecond})
		stops[i] = runRelay(t, relays[i])
	}
	all := addConcurrently(t, pool, 4, 25, 50) // 4 writers × 25 transactions × 50 rows
	testkit.Eventually(t, wait, func() bool { return unsent(t, pool) == 0 }, "rows left unsent")
	if got := pubs[0].published.Load() + pubs[1].published.Load(); got != int64(len(all)) {
		t.Errorf("relays published %d events, want each of the %d rows once", got, len(all))
	}
	if diff := cmp.Diff(idCounts(all), streamIDs(t, b)); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}

	leader := 0
	if relays[1].Leader() {
		leader = 1
	}
	stops[leader]()
	more := rejected(t, 10)
	add(t, pool, more...)
	testkit.Eventually(t, wait, func() bool { return unsent(t, pool) == 0 }, "standby never took over")
	if got, want := streamCount(t, b), uint64(len(all)+len(more)); got != want {
		t.Errorf("stream holds %d messages, want %d", got, want)
	}
}

// addConcurrently adds writers×txs transactions of perTx rows each and
// returns the events.
func addConcurrently(t *testing.T, pool *pgxpool.Pool, writers, txs, perTx int) []event.Event {
	t.Helper()
	batches := make([][]event.Event, writers*txs)
	for i := range batches {
		batches[i] = rejected(t, perTx)
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := w; i < len(batches); i += writers {
				err := pgx.BeginFunc(t.Context(), pool, func(tx pgx.Tx) error {
					return outbox.Add(t.Context(), tx, batches[i]...)
				})
				if err != nil {
					t.Errorf("add to outbox: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	return slices.Concat(batches...)
}
