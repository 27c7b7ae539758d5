package inventory_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/services/order/internal/adapters/inventory"
	"github.com/eventshop/eventshop/services/order/internal/app/command"
	"github.com/eventshop/eventshop/testkit"
)

func TestPricesAsksOnceForAllSKUs(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var query []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		query = r.URL.Query()["sku"]
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"items":[{"sku":"A","price_cents":100},{"sku":"B","price_cents":250},{"sku":"C","price_cents":9}]}`))
	}))
	t.Cleanup(srv.Close)
	prices, err := newClient(t, srv.URL, inventory.Options{}).Prices(context.Background(), []string{"A", "B", "X"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{"A": 100, "B": 250}, prices); diff != "" {
		t.Errorf("prices (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"A", "B", "X"}, query); diff != "" {
		t.Errorf("sku query (-want +got):\n%s", diff)
	}
	if calls.Load() != 1 {
		t.Errorf("calls = %d, want 1", calls.Load())
	}
}

func TestBreakerOpensOnServerErrors(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, inventory.Options{MaxFailures: 2})
	unavailable(t, c, 4)
	if calls.Load() != 2 || c.State() != "open" {
		t.Errorf("calls = %d, state %s; want 2 calls and an open breaker", calls.Load(), c.State())
	}
}

func TestClientErrorsDoNotOpenBreaker(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, inventory.Options{MaxFailures: 1})
	unavailable(t, c, 3)
	if c.State() != "closed" {
		t.Errorf("state = %s, want closed", c.State())
	}
}

func TestUnreachableInventoryIsUnavailable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	if _, err := newClient(t, url, inventory.Options{}).Prices(context.Background(), []string{"A"}); !errors.Is(err, command.ErrInventoryUnavailable) {
		t.Fatalf("Prices = %v, want ErrInventoryUnavailable", err)
	}
}

// unavailable asks c for prices n times, each of which must fail with
// ErrInventoryUnavailable.
func unavailable(t *testing.T, c *inventory.Client, n int) {
	t.Helper()
	for range n {
		if _, err := c.Prices(context.Background(), []string{"A"}); !errors.Is(err, command.ErrInventoryUnavailable) {
			t.Fatalf("Prices = %v, want ErrInventoryUnavailable", err)
		}
	}
}

// newClient returns a client of the inventory replicas at urls.
func newClient(t *testing.T, urls string, opts inventory.Options) *inventory.Client {
	t.Helper()
	c, err := inventory.NewClient(urls, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBadInventoryURLIsAnError(t *testing.T) {
	t.Parallel()
	if _, err := inventory.NewClient("http://127.0.0.1:1,localhost:8082", inventory.Options{}); err == nil {
		t.Fatal("NewClient accepted a replica URL without a scheme")
	}
}

// An inventory waiting for its database answers 503 at once: that is an
// answer, not a failure of inventory, so the breaker stays closed and the
// first lookup after the database is back succeeds.
func TestUnavailableAnswersDoNotOpenBreaker(t *testing.T) {
	t.Parallel()
	var status atomic.Int32
	status.Store(http.StatusServiceUnavailable)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(int(status.Load()))
		_, _ = w.Write([]byte(`{"items":[{"sku":"A","price_cents":100}]}`))
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, inventory.Options{MaxFailures: 1})
	unavailable(t, c, 3)
	if c.State() != "closed" {
		t.Fatalf("state = %s after 503s, want closed", c.State())
	}
	status.Store(http.StatusOK)
	if _, err := c.Prices(context.Background(), []string{"A"}); err != nil {
		t.Fatalf("Prices after inventory is back: %v", err)
	}
}

// A restarted inventory is asked again as soon as its readiness probe
// answers, not when the breaker's open timeout (here an hour) ends.
func TestBreakerClosesWhenARestartedInventoryAnswersItsProbe(t *testing.T) {
	t.Parallel()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			_, _ = w.Write([]byte(`{"items":[{"sku":"A","price_cents":100}]}`))
		}
	})
	srv := httptest.NewServer(handler)
	addr := srv.Listener.Addr().String()
	srv.Close()
	c := newClient(t, "http://"+addr, inventory.Options{MaxFailures: 2, OpenTimeout: time.Hour, ProbeInterval: 20 * time.Millisecond})
	unavailable(t, c, 3)
	if c.State() != "open" {
		t.Fatalf("state = %s after refused connections, want open", c.State())
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = c.Watch(ctx) }()

	ln, err := net.Listen("tcp", addr) // inventory restarts on the same address
	if err != nil {
		t.Skipf("address %s taken again before the restart: %v", addr, err)
	}
	restarted := &httptest.Server{Listener: ln, Config: &http.Server{Handler: handler}}
	restarted.Start()
	t.Cleanup(restarted.Close)
	testkit.Eventually(t, 30*time.Second, func() bool { return c.State() == "closed" },
		"breaker not closed 30 s after inventory answers its probe")
	if _, err := c.Prices(context.Background(), []string{"A"}); err != nil {
		t.Fatalf("Prices after the restart: %v", err)
	}
}
