package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/testkit"
)

// TestReplayAfterFixIsProcessedOnce dead-letters an event whose handler
// fails permanently, fixes the handler, replays the event through the admin
// route and checks that its effect happens exactly once.
func TestReplayAfterFixIsProcessedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b, err := bus.Connect(ctx, testkit.NATS(t).URL(), "gateway-test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if err := b.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, testConfig(), b)
	admin := bearer(h.token(t, "admin"))

	var broken atomic.Bool
	broken.Store(true)
	var mu sync.Mutex
	effects := map[string]int{}
	cons, err := b.Consume(ctx, bus.ConsumerConfig{
		Service: "billing", Stream: bus.StreamOrder, Durable: "billing-ledger",
		Subjects: []string{"order.cancelled.v1.>"},
	}, bus.Each(func(_ context.Context, ev event.Event) error {
		if broken.Load() {
			return bus.Permanent(errors.New("ledger is read-only"))
		}
		mu.Lock()
		defer mu.Unlock()
		effects[ev.Subject]++
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cons.Stop)

	orderID := uuid.NewString()
	ev, err := event.New("order", schemas.TypeOrderCancelledV1, orderID,
		schemas.OrderCancelledV1{OrderID: orderID, CustomerID: "alice", Reason: "customer"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, ev); err != nil {
		t.Fatal(err)
	}

	var id uint64
	testkit.EventuallyErr(t, 10*time.Second, func() error {
		_, body := h.do(t, "GET", "/api/v1/admin/dlq?service=billing", "", admin)
		var list struct {
			Items []struct {
				ID    uint64 `json:"id"`
				Error string `json:"error"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Items) != 1 {
			return fmt.Errorf("dead letters: %s", body)
		}
		if !strings.Contains(list.Items[0].Error, "read-only") {
			return fmt.Errorf("dead letter without the handler's reason: %s", body)
		}
		id = list.Items[0].ID
		return nil
	})

	broken.Store(false)
	replay := fmt.Sprintf("/api/v1/admin/dlq/%d/replay", id)
	if resp, body := h.do(t, "POST", replay, "", admin); resp.StatusCode/100 != 2 {
		t.Fatalf("replay: %d %s", resp.StatusCode, body)
	}
	if resp, _ := h.do(t, "POST", replay, "", admin); resp.StatusCode != http.StatusNotFound {
		t.Errorf("second replay: status %d, want 404", resp.StatusCode)
	}
	testkit.EventuallyErr(t, 10*time.Second, func() error { return caughtUp(ctx, b, "billing-ledger") })
	mu.Lock()
	defer mu.Unlock()
	if effects[orderID] != 1 {
		t.Errorf("effect of the replayed event happened %d times, want once", effects[orderID])
	}
}

// caughtUp reports an error while a consumer has messages not yet delivered
// or acknowledged.
func caughtUp(ctx context.Context, b *bus.Bus, durable string) error {
	stream, err := b.JetStream().Stream(ctx, bus.StreamOrder)
	if err != nil {
		return err
	}
	cons, err := stream.Consumer(ctx, durable)
	if err != nil {
		return err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return err
	}
	if info.NumPending > 0 || info.NumAckPending > 0 {
		return fmt.Errorf("%d pending, %d unacknowledged", info.NumPending, info.NumAckPending)
	}
	return nil
}
