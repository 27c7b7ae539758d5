package bus_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outage"
	"github.com/eventshop/eventshop/testkit"
)

// outageSchedule is a redelivery schedule far shorter than the outages the
// tests cause: three deliveries 10 ms apart, then at most 50 ms apart while a
// dependency is down.
var outageSchedule = bus.ConsumerConfig{MaxDeliver: 3, Backoff: []time.Duration{10 * time.Millisecond}, OutageBackoffMax: 50 * time.Millisecond}

// TestDatabaseOutageIsWaitedForNotDeadLettered stops a real PostgreSQL
// under a consumer whose handler writes to it, keeps it down for many times
// the consumer's MaxDeliver, and checks that nothing is dead-lettered and
// every event is applied once the database is back.
func TestDatabaseOutageIsWaitedForNotDeadLettered(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	b := connectTo(t, testkit.NATS(t), bus.WithMetrics(bus.NewMetrics(reg)))
	pg, pool := ownDatabase(t)
	rec := newRecorder(func(m bus.Message) error {
		_, err := pool.Exec(t.Context(), `INSERT INTO applied (event_id) VALUES ($1) ON CONFLICT DO NOTHING`, m.Event.ID)
		return err
	})
	cfg := outageSchedule
	cfg.Durable = "outage-db"
	consume(t, b, cfg, rec.handle)
	if err := pg.StopImmediate(); err != nil {
		t.Fatal(err)
	}
	evs := []event.Event{rejected(t, "a"), rejected(t, "b"), rejected(t, "c")}
	publish(t, b, evs...)

	// Three times MaxDeliver: an outage the whole schedule could not outlast.
	testkit.Eventually(t, wait, func() bool { return deliveredAtLeast(rec, evs, 3*uint64(cfg.MaxDeliver)) },
		"events not redelivered through the outage")
	if depth := dlqDepth(t, b); depth != 0 {
		t.Fatalf("DLQ depth %d during the outage, want 0", depth)
	}
	if got := counter(t, reg, "eventshop_bus_consumed_total", "consumer", cfg.Durable, "result", "outage"); got == 0 {
		t.Error("no redelivery counted as result=outage")
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, wait, func() bool { return rec.handledAll(evs) }, "events not applied after the database returned")
	var applied int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM applied`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != len(evs) || dlqDepth(t, b) != 0 {
		t.Errorf("applied %d of %d events with %d dead letters, want all and none", applied, len(evs), dlqDepth(t, b))
	}
}

// TestSettleDecisions checks each kind of handler result against a real
// JetStream: what is acked, waited for, retried or dead-lettered, and on
// which delivery.
func TestSettleDecisions(t *testing.T) {
	t.Parallel()
	unavailable := outage.Mark(errors.New("peer unavailable"))
	tests := []struct {
		name string
		// fail is the handler's result on delivery n.
		fail           func(n uint64) error
		wantDeadLetter bool
		wantDelivery   uint64 // the last delivery the handler sees
	}{
		{"outage beyond MaxDeliver, then success", func(n uint64) error {
			if n <= 4*uint64(outageSchedule.MaxDeliver) {
				return fmt.Errorf("reserve stock: %w", unavailable)
			}
			return nil
		}, false, 4*uint64(outageSchedule.MaxDeliver) + 1},
		{"bug is dead-lettered after MaxDeliver", func(uint64) error { return errors.New("nil map") }, true, uint64(outageSchedule.MaxDeliver)},
		{"permanent is dead-lettered at once", func(uint64) error { return bus.Permanent(errors.New("unknown product")) }, true, 1},
		{"permanent wins over an outage it wraps", func(uint64) error { return bus.Permanent(unavailable) }, true, 1},
		{"bug after an outage counts every delivery", func(n uint64) error {
			if n <= 2 {
				return unavailable
			}
			return errors.New("nil map")
		}, true, uint64(outageSchedule.MaxDeliver)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, b := connect(t)
			rec := newRecorder(func(m bus.Message) error { return tt.fail(m.Delivered) })
			consume(t, b, outageSchedule, rec.handle)
			ev := rejected(t, tt.name)
			publish(t, b, ev)
			if tt.wantDeadLetter {
				dl := awaitDeadLetter(t, b, ev.ID)
				if dl.Deliveries != tt.wantDelivery {
					t.Errorf("dead-lettered after %d deliveries, want %d", dl.Deliveries, tt.wantDelivery)
				}
				return
			}
			testkit.Eventually(t, wait, func() bool { return rec.handledCount(ev.ID) == 1 }, "event never handled")
			if got := rec.lastDelivery(ev.ID); got != tt.wantDelivery {
				t.Errorf("handled on delivery %d, want %d", got, tt.wantDelivery)
			}
			if depth := dlqDepth(t, b); depth != 0 {
				t.Errorf("DLQ depth %d, want 0", depth)
			}
		})
	}
}

// ownDatabase starts a PostgreSQL cluster for the test alone, which it may
// stop and start, with a table to write to.
func ownDatabase(t *testing.T) (*testkit.PGCluster, *pgxpool.Pool) {
	t.Helper()
	pg, err := testkit.StartPostgres(testkit.PGOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	pool, err := pgxpool.New(t.Context(), pg.URL("postgres")+"&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	// The test cluster commits without waiting for the WAL: the checkpoint
	// writes the table out, so that an immediate stop cannot lose it.
	for _, sql := range []string{`CREATE TABLE applied (event_id text PRIMARY KEY)`, `CHECKPOINT`} {
		if _, err := pool.Exec(t.Context(), sql); err != nil {
			t.Fatal(err)
		}
	}
	return pg, pool
}

// deliveredAtLeast reports whether every event was delivered n times or more.
func deliveredAtLeast(rec *recorder, evs []event.Event, n uint64) bool {
	for _, ev := range evs {
		if rec.lastDelivery(ev.ID) < n {
			return false
		}
	}
	return true
}

// counter reads a counter of reg by its labels.
func counter(t *testing.T, reg prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if hasLabels(m, labels) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func hasLabels(m *dto.Metric, labels []string) bool {
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	found := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
			found++
		}
	}
	return found == len(want)
}
