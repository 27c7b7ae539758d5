package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// failingInventory answers the catalogue with 200 until failing is set,
// then with 503 and Retry-After: 7 (its database is down), or with 500
// while broken is set; /readyz answers 503 while notReady is set,
// /healthz always 200.
type failingInventory struct {
	failing, broken, notReady atomic.Bool
}

func (f *failingInventory) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/healthz":
		w.WriteHeader(http.StatusOK)
	case r.URL.Path == "/readyz" && f.notReady.Load():
		w.WriteHeader(http.StatusServiceUnavailable)
	case r.URL.Path == "/readyz":
		w.WriteHeader(http.StatusOK)
	case f.broken.Load():
		w.WriteHeader(http.StatusInternalServerError)
	case f.failing.Load():
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"status":503,"title":"Service Unavailable"}`))
	default:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"items":[{"sku":"SKU-1"}],"path":"` + r.URL.Path + `"}`))
	}
}

// TestCatalogueIsServedStaleWhileInventoryFails checks the fallback: with
// inventory answering 503, a catalogue answer held past its TTL is served
// marked stale (X-Cache: STALE, Cache-Status); one never held gets
// inventory's 503 and Retry-After, however often (a 503 does not open the
// breaker); once inventory fails with 500s and its breaker opens, the
// stale answer is still served, and the rest gets the breaker's 503.
func TestCatalogueIsServedStaleWhileInventoryFails(t *testing.T) {
	t.Parallel()
	inv := &failingInventory{}
	cfg := testConfig()
	cfg.InventoryURL = newUpstreamHandler(t, inv.ServeHTTP)
	cfg.BreakerFailures = 3
	h := newHarness(t, cfg, nil)
	_, fresh := h.do(t, "GET", "/api/v1/products", "")
	h.clock.Advance(2 * time.Minute)
	inv.failing.Store(true)

	resp, body := h.do(t, "GET", "/api/v1/products", "")
	if resp.StatusCode != http.StatusOK || body != fresh || resp.Header.Get("X-Cache") != "STALE" {
		t.Fatalf("stale catalogue: %d %s %q, want 200 STALE %q", resp.StatusCode, resp.Header.Get("X-Cache"), body, fresh)
	}
	if got := resp.Header.Get("Cache-Status"); got != "eventshop-gateway; fwd=stale; fwd-status=503" {
		t.Errorf("Cache-Status %q", got)
	}
	for i := range 2 * cfg.BreakerFailures {
		resp, _ = h.do(t, "GET", "/api/v1/products/SKU-2", "")
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "7" {
			t.Fatalf("uncached product, try %d: %d Retry-After %q, want 503 with inventory's Retry-After", i+1, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	inv.broken.Store(true)
	eventually(t, func() bool {
		resp, _ := h.do(t, "GET", "/api/v1/products/SKU-3", "")
		return strings.Contains(resp.Header.Get("Content-Type"), "problem") && resp.Header.Get("Retry-After") != "7"
	}, "inventory's breaker never opened")
	resp, body = h.do(t, "GET", "/api/v1/products", "")
	if resp.StatusCode != http.StatusOK || body != fresh || resp.Header.Get("Cache-Status") != "eventshop-gateway; fwd=stale" {
		t.Errorf("stale catalogue behind an open breaker: %d %q %q", resp.StatusCode, resp.Header.Get("Cache-Status"), body)
	}
}

// TestReadinessFollowsTheUpstreamsReadiness checks that /readyz asks the
// services' /readyz, not their liveness, and names who is not ready.
func TestReadinessFollowsTheUpstreamsReadiness(t *testing.T) {
	t.Parallel()
	inv := &failingInventory{}
	inv.notReady.Store(true)
	cfg := testConfig()
	cfg.InventoryURL = newUpstreamHandler(t, inv.ServeHTTP)
	h := newHarness(t, cfg, nil)
	resp, body := h.do(t, "GET", "/readyz", "")
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("readyz body %q: %v", body, err)
	}
	want := map[string]string{"inventory": "not ready: readyz status 503", "order": "ok", "payment": "ok", "notification": "ok"}
	if resp.StatusCode != http.StatusServiceUnavailable || !cmp.Equal(got, want) {
		t.Errorf("readyz: %d %v, want 503 %v", resp.StatusCode, got, want)
	}
	inv.notReady.Store(false)
	if resp, body := h.do(t, "GET", "/readyz", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("readyz once ready: %d %s", resp.StatusCode, body)
	}
}
