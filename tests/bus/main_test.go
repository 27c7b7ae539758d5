package bus_test

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/testkit"
)

// wait bounds every poll; generous because the machine is shared.
const wait = 30 * time.Second

func TestMain(m *testing.M) { testkit.Main(m) }

// connect starts a NATS server and returns a provisioned bus on it.
func connect(t testing.TB) (*testkit.NATSServer, *bus.Bus) {
	t.Helper()
	srv := testkit.NATS(t)
	return srv, connectTo(t, srv)
}

// connectTo returns a provisioned bus on srv, closed when the test ends.
func connectTo(t testing.TB, srv *testkit.NATSServer, opts ...bus.Option) *bus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b, err := bus.Connect(ctx, srv.URL(), t.Name(), log, opts...)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(b.Close)
	if err := b.Provision(ctx); err != nil {
		t.Fatalf("provision: %v", err)
	}
	return b
}

// rejected builds a valid order.rejected.v1 event for a new order id.
func rejected(t testing.TB, reason string) event.Event {
	t.Helper()
	orderID := uuid.Must(uuid.NewV7()).String()
	ev, err := event.New("order", schemas.TypeOrderRejectedV1, orderID,
		schemas.OrderRejectedV1{OrderID: orderID, CustomerID: "alice", Reason: reason})
	if err != nil {
		t.Fatalf("new event: %v", err)
	}
	ev.TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	return ev
}

func publish(t testing.TB, b *bus.Bus, evs ...event.Event) {
	t.Helper()
	if err := b.Publish(t.Context(), evs...); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

// consume starts a consumer of order.rejected events that is stopped when
// the test ends.
func consume(t *testing.T, b *bus.Bus, cfg bus.ConsumerConfig, h bus.BatchHandler) *bus.Consumer {
	t.Helper()
	if cfg.Service == "" {
		cfg.Service = "test"
	}
	if len(cfg.Subjects) == 0 {
		cfg.Subjects = []string{"order.rejected.>"}
	}
	c, err := b.Consume(t.Context(), cfg, h)
	if err != nil {
		t.Fatalf("consume: %v", err)
	}
	t.Cleanup(c.Stop)
	return c
}

// recorder is a handler that records what it was given and fails events as
// its fail function decides.
type recorder struct {
	mu        sync.Mutex
	fail      func(m bus.Message) error
	handled   map[string]int    // event id → successful handlings
	delivered map[string]uint64 // event id → last delivery count seen
	order     []string          // event ids in the order they succeeded
}

func newRecorder(fail func(m bus.Message) error) *recorder {
	return &recorder{fail: fail, handled: map[string]int{}, delivered: map[string]uint64{}}
}

func (r *recorder) handle(_ context.Context, msgs []bus.Message) []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	errs := make([]error, len(msgs))
	for i, m := range msgs {
		r.delivered[m.Event.ID] = m.Delivered
		if r.fail != nil {
			if errs[i] = r.fail(m); errs[i] != nil {
				continue
			}
		}
		r.handled[m.Event.ID]++
		r.order = append(r.order, m.Event.ID)
	}
	return errs
}

func (r *recorder) handledCount(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.handled[id]
}

func (r *recorder) lastDelivery(id string) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.delivered[id]
}

// handledAll reports whether every event was handled at least once.
func (r *recorder) handledAll(evs []event.Event) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range evs {
		if r.handled[ev.ID] == 0 {
			return false
		}
	}
	return true
}

// sortStrings compares string slices as sets.
var sortStrings = cmpopts.SortSlices(func(a, b string) bool { return a < b })
