package gateway_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// TestUpstreamConnectionsAreKeptAlive checks that requests one after the
// other reach the upstream over the connection the one before used, which
// the gateway's per-request timeout and cancellation must not close.
func TestUpstreamConnectionsAreKeptAlive(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"items":[]}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	cfg := testConfig()
	cfg.OrderURL = srv.URL
	h := newHarness(t, cfg, nil)
	alice := bearer(h.token(t, "alice"))
	const requests = 200
	for range requests {
		if resp, _ := h.do(t, "GET", "/api/v1/orders", "", alice); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	if n := conns.Load(); n > requests/20 {
		t.Errorf("%d sequential requests opened %d upstream connections", requests, n)
	}
}
