package gateway_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// versioned makes the inventory upstream answer with a body that changes
// whenever the returned counter is bumped.
func versioned(u *upstream) *atomic.Int64 {
	var v atomic.Int64
	u.mu.Lock()
	defer u.mu.Unlock()
	u.body = func(r *http.Request) string {
		return `{"path":"` + r.URL.Path + `","version":` + strconv.FormatInt(v.Load(), 10) + `}`
	}
	return &v
}

func TestCatalogueCacheHitAndConditionalGet(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig(), nil)
	inv := h.up["inventory"]
	first, body1 := h.do(t, "GET", "/api/v1/products/SKU-1", "")
	second, body2 := h.do(t, "GET", "/api/v1/products/SKU-1", "")
	if first.Header.Get("X-Cache") != "MISS" || second.Header.Get("X-Cache") != "HIT" {
		t.Fatalf("X-Cache = %q then %q, want MISS then HIT", first.Header.Get("X-Cache"), second.Header.Get("X-Cache"))
	}
	if body1 != body2 || inv.count() != 1 {
		t.Fatalf("bodies %q / %q, upstream requests %d; want one fetch, same body", body1, body2, inv.count())
	}
	etag := second.Header.Get("ETag")
	if len(etag) < 3 || etag[0] != '"' {
		t.Fatalf("ETag = %q, want a strong tag", etag)
	}
	resp, body := h.do(t, "GET", "/api/v1/products/SKU-1", "", "If-None-Match: "+etag)
	if resp.StatusCode != http.StatusNotModified || body != "" {
		t.Fatalf("conditional GET: %d %q, want 304 without body", resp.StatusCode, body)
	}
	if resp, _ := h.do(t, "GET", "/api/v1/products/SKU-1", "", `If-None-Match: "other"`); resp.StatusCode != http.StatusOK {
		t.Errorf("stale If-None-Match: status %d, want 200", resp.StatusCode)
	}
	h.clock.Advance(2 * time.Minute)
	if resp, _ := h.do(t, "GET", "/api/v1/products/SKU-1", ""); resp.Header.Get("X-Cache") != "MISS" {
		t.Errorf("after the TTL: X-Cache = %q, want MISS", resp.Header.Get("X-Cache"))
	}
}

func TestCatalogueCacheIsNeverSharedBetweenUsers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig(), nil)
	inv := h.up["inventory"]
	inv.mu.Lock()
	inv.body = func(r *http.Request) string { return `{"for":"` + r.Header.Get("Authorization") + `"}` }
	inv.mu.Unlock()
	alice, bob := h.token(t, "alice"), h.token(t, "bob")
	for range 2 {
		for _, tok := range []string{alice, bob} {
			resp, body := h.do(t, "GET", "/api/v1/products", "", bearer(tok))
			if want := `{"for":"Bearer ` + tok + `"}`; body != want {
				t.Fatalf("got %s, want the caller's own answer", body)
			}
			if resp.Header.Get("X-Cache") == "HIT" {
				t.Fatal("an authenticated request was served from the cache")
			}
		}
	}
	if _, body := h.do(t, "GET", "/api/v1/products", ""); body != `{"for":""}` {
		t.Fatalf("anonymous request got %s, a per-user answer was cached", body)
	}
	if inv.count() != 5 {
		t.Errorf("upstream saw %d requests, want 5", inv.count())
	}
}

func TestCatalogueCacheFetchesOncePerKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig(), nil)
	inv := h.up["inventory"]
	release := make(chan struct{})
	inv.mu.Lock()
	inv.block = release
	inv.mu.Unlock()
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() { h.do(t, "GET", "/api/v1/products", "") })
	}
	<-inv.entered
	// Release only once all five are being served by the gateway, so the
	// other four are waiting on the first fetch rather than arriving late.
	testkit.Eventually(t, 5*time.Second, func() bool { return h.active() >= 5 }, "five requests in flight")
	close(release)
	wg.Wait()
	if n := inv.count(); n != 1 {
		t.Fatalf("upstream saw %d concurrent fetches of one key, want 1", n)
	}
}

func TestStockChangeInvalidatesTheCatalogue(t *testing.T) {
	t.Parallel()
	nats := testkit.NATS(t)
	ctx := context.Background()
	b, err := bus.Connect(ctx, nats.URL(), "gateway-test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if err := b.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, testConfig(), b)
	version := versioned(h.up["inventory"])
	for _, path := range []string{"/api/v1/products", "/api/v1/products/SKU-1", "/api/v1/products/SKU-2"} {
		h.do(t, "GET", path, "")
		if resp, _ := h.do(t, "GET", path, ""); resp.Header.Get("X-Cache") != "HIT" {
			t.Fatalf("%s not cached", path)
		}
	}
	version.Store(1)
	ev, err := event.New("inventory", schemas.TypeInventoryStockChangedV1, "SKU-1", schemas.InventoryStockChangedV1{SKU: "SKU-1", Available: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, ev); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/products", "/api/v1/products/SKU-1"} {
		testkit.Eventually(t, time.Second, func() bool {
			_, body := h.do(t, "GET", path, "")
			return body == `{"path":"`+path+`","version":1}`
		}, "%s still served stale after a stock change", path)
	}
	if _, body := h.do(t, "GET", "/api/v1/products/SKU-2", ""); body != `{"path":"/api/v1/products/SKU-2","version":0}` {
		t.Errorf("SKU-2 refetched on a change of SKU-1: %s", body)
	}
}

func TestNATSReconnectEmptiesTheCatalogue(t *testing.T) {
	t.Parallel()
	srv := testkit.NATS(t)
	b, err := bus.Connect(context.Background(), srv.URL(), "gateway-test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	h := newHarness(t, testConfig(), b)
	version := versioned(h.up["inventory"])
	h.do(t, "GET", "/api/v1/products", "")
	if resp, _ := h.do(t, "GET", "/api/v1/products", ""); resp.Header.Get("X-Cache") != "HIT" {
		t.Fatal("catalogue not cached")
	}
	version.Store(1) // a change the gateway could not hear about while disconnected
	srv.Restart(t)
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, body := h.do(t, "GET", "/api/v1/products", "")
		return body == `{"path":"/api/v1/products","version":1}`
	}, "catalogue still stale after a reconnect")
}
