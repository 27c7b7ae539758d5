package outbox_test

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/testkit"
)

// wait bounds every poll; generous because the machine is shared.
const wait = 60 * time.Second

func TestMain(m *testing.M) { testkit.Main(m) }

func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// openDB returns a pool on a fresh database with the platform tables.
func openDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgdb.Open(t.Context(), testkit.Postgres(t), nil)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// connect returns a provisioned bus on srv, closed when the test ends.
func connect(t *testing.T, srv *testkit.NATSServer) *bus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	b, err := bus.Connect(ctx, srv.URL(), t.Name(), quietLog())
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(b.Close)
	if err := b.Provision(ctx); err != nil {
		t.Fatalf("provision: %v", err)
	}
	return b
}

// rejected builds n valid order.rejected.v1 events, each about its own order.
func rejected(t *testing.T, n int) []event.Event {
	t.Helper()
	evs := make([]event.Event, n)
	for i := range evs {
		orderID := uuid.Must(uuid.NewV7()).String()
		ev, err := event.New("order", schemas.TypeOrderRejectedV1, orderID,
			schemas.OrderRejectedV1{OrderID: orderID, CustomerID: "alice", Reason: "out_of_stock"})
		if err != nil {
			t.Fatalf("new event: %v", err)
		}
		evs[i] = ev
	}
	return evs
}

// add writes evs to the outbox in one committed transaction.
func add(t *testing.T, pool *pgxpool.Pool, evs ...event.Event) {
	t.Helper()
	err := pgx.BeginFunc(t.Context(), pool, func(tx pgx.Tx) error {
		return outbox.Add(t.Context(), tx, evs...)
	})
	if err != nil {
		t.Fatalf("add to outbox: %v", err)
	}
}

// runRelay runs r until the returned stop is called or the test ends.
func runRelay(t *testing.T, r interface{ Run(context.Context) error }) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := r.Run(ctx); err != nil {
			t.Errorf("relay: %v", err)
		}
	})
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}

// streamIDs returns how often each event id occurs in the ORDER stream.
func streamIDs(t *testing.T, b *bus.Bus) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	c, err := b.JetStream().OrderedConsumer(ctx, bus.StreamOrder, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatalf("ordered consumer: %v", err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatalf("consumer info: %v", err)
	}
	ids := map[string]int{}
	for left := info.NumPending; left > 0; {
		batch, err := c.FetchNoWait(int(min(left, 1000)))
		if err != nil {
			t.Fatalf("fetch: %v", err)
		}
		for m := range batch.Messages() {
			ids[m.Headers().Get("ce-id")]++
			left--
		}
		if batch.Error() != nil {
			t.Fatalf("fetch: %v", batch.Error())
		}
	}
	return ids
}

// streamCount is the number of messages in the ORDER stream.
func streamCount(t *testing.T, b *bus.Bus) uint64 {
	t.Helper()
	s, err := b.JetStream().Stream(t.Context(), bus.StreamOrder)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	return s.CachedInfo().State.Msgs
}

// unsent counts the outbox rows not yet marked sent.
func unsent(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM outbox WHERE sent_at IS NULL`).Scan(&n); err != nil {
		t.Fatalf("count unsent: %v", err)
	}
	return n
}

// countingPublisher counts the events it passes on to the bus.
type countingPublisher struct {
	b         *bus.Bus
	published atomic.Int64
}

func (p *countingPublisher) Publish(ctx context.Context, evs ...event.Event) error {
	err := p.b.Publish(ctx, evs...)
	if err == nil {
		p.published.Add(int64(len(evs)))
	}
	return err
}

// idCounts is the expected stream content: every event once.
func idCounts(evs []event.Event) map[string]int {
	m := make(map[string]int, len(evs))
	for _, ev := range evs {
		m[ev.ID] = 1
	}
	return m
}
