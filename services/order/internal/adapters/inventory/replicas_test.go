package inventory_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventshop/eventshop/services/order/internal/adapters/inventory"
	"github.com/eventshop/eventshop/testkit"
)

// replica is an inventory replica that counts the price lookups it answered.
type replica struct {
	srv     *httptest.Server
	lookups atomic.Int32
}

// startReplica serves on addr ("127.0.0.1:0" for any port).
func startReplica(t *testing.T, addr string) *replica {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/readyz" {
			return
		}
		r.lookups.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"items":[{"sku":"A","price_cents":100}]}`))
	}))
	r.srv.Listener = ln
	r.srv.Start()
	t.Cleanup(r.srv.Close)
	return r
}

// TestLookupsSpreadOverReplicasAndSkipAStoppedOne looks prices up on two
// inventory replicas: both answer lookups while both are up; with one
// stopped, every lookup still succeeds, on the other; once the stopped one
// serves again (its readiness probe answers), it gets lookups again.
func TestLookupsSpreadOverReplicasAndSkipAStoppedOne(t *testing.T) {
	t.Parallel()
	a, b := startReplica(t, "127.0.0.1:0"), startReplica(t, "127.0.0.1:0")
	c := newClient(t, a.srv.URL+","+b.srv.URL, inventory.Options{ProbeInterval: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = c.Watch(ctx) }()
	lookUp := func(n int) {
		t.Helper()
		for range n {
			if _, err := c.Prices(ctx, []string{"A"}); err != nil {
				t.Fatalf("Prices: %v", err)
			}
		}
	}

	lookUp(10)
	if a.lookups.Load() == 0 || b.lookups.Load() == 0 {
		t.Fatalf("lookups with both replicas up: %d and %d, want both above 0", a.lookups.Load(), b.lookups.Load())
	}

	addr := b.srv.Listener.Addr().String()
	b.srv.Close()
	before := a.lookups.Load()
	lookUp(10)
	if got := a.lookups.Load() - before; got != 10 {
		t.Errorf("lookups answered by the replica left up = %d, want all 10", got)
	}

	b = startReplica(t, addr)
	testkit.Eventually(t, 10*time.Second, func() bool {
		lookUp(1)
		return b.lookups.Load() > 0
	}, "the restarted replica got no lookups")
}
