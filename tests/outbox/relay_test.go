package outbox_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/testkit"
)

func TestRelayPublishesEveryRow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		perTx     int
		txs       int
		batchSize int
	}{
		{"single events", 1, 20, 0},
		{"one large transaction", 1200, 1, 0},
		{"batches smaller than transactions", 50, 6, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool, b := openDB(t), connect(t, testkit.NATS(t))
			runRelay(t, outbox.NewRelay(pool, b, quietLog(), outbox.Options{BatchSize: tc.batchSize}))
			var all []event.Event
			for range tc.txs {
				evs := rejected(t, tc.perTx)
				add(t, pool, evs...)
				all = append(all, evs...)
			}
			testkit.Eventually(t, wait, func() bool { return unsent(t, pool) == 0 }, "rows left unsent")
			if diff := cmp.Diff(idCounts(all), streamIDs(t, b)); diff != "" {
				t.Errorf("stream (-want +got):\n%s", diff)
			}
		})
	}
}
