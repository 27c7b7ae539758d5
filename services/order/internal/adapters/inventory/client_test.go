package inventory_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/services/order/internal/adapters/inventory"
	"github.com/eventshop/eventshop/services/order/internal/app/command"
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
	for range 4 {
		if _, err := c.Prices(context.Background(), []string{"A"}); !errors.Is(err, command.ErrInventoryUnavailable) {
			t.Fatalf("Prices = %v, want ErrInventoryUnavailable", err)
		}
	}
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
	for range 3 {
		if _, err := c.Prices(context.Background(), []string{"A"}); !errors.Is(err, command.ErrInventoryUnavailable) {
			t.Fatalf("Prices = %v, want ErrInventoryUnavailable", err)
		}
	}
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
