package gateway_test

import (
	"net/http"
	"testing"
)

// TestRequestsSpreadOverReplicas checks that an upstream configured with
// two replica URLs gets its requests spread over both.
func TestRequestsSpreadOverReplicas(t *testing.T) {
	t.Parallel()
	a, b := newUpstream(t, "order"), newUpstream(t, "order")
	cfg := testConfig()
	cfg.OrderURL = a.srv.URL + "," + b.srv.URL
	h := newHarness(t, cfg, nil)
	alice := bearer(h.token(t, "alice"))
	for i := range 10 {
		if resp, body := h.do(t, "GET", "/api/v1/orders", "", alice); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
	}
	if a.count() != 5 || b.count() != 5 {
		t.Errorf("replicas saw %d and %d requests, want 5 and 5", a.count(), b.count())
	}
}
