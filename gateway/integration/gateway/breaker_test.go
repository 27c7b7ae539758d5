package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func breakerStates(t *testing.T, h *harness) map[string]string {
	t.Helper()
	resp, body := h.do(t, "GET", "/api/v1/admin/breakers", "", bearer(h.token(t, "admin")))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("breakers: %d %s", resp.StatusCode, body)
	}
	var out struct {
		Items []struct{ Name, State string }
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, it := range out.Items {
		states[it.Name] = it.State
	}
	return states
}

func TestBreakerOpensFailsFastAndRecovers(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.CacheTTL = 0
	cfg.BreakerOpenTimeout = 100 * time.Millisecond
	h := newHarness(t, cfg, nil)
	alice := bearer(h.token(t, "alice"))
	order := h.up["order"]
	order.set(http.StatusInternalServerError)
	for i := range 3 {
		if resp, _ := h.do(t, "GET", "/api/v1/orders", "", alice); resp.StatusCode != http.StatusInternalServerError {
			t.Fatalf("failure %d: status %d, want the upstream's 500", i+1, resp.StatusCode)
		}
	}
	resp, _ := h.do(t, "GET", "/api/v1/orders", "", alice)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("open breaker: status %d Retry-After %q, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("open breaker content type %q", resp.Header.Get("Content-Type"))
	}
	if resp, _ := h.do(t, "GET", "/api/v1/products", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("inventory affected by order's breaker: %d", resp.StatusCode)
	}
	want := map[string]string{"order": "open", "inventory": "closed", "payment": "closed", "notification": "closed"}
	if diff := cmp.Diff(want, breakerStates(t, h)); diff != "" {
		t.Errorf("breakers (-want +got):\n%s", diff)
	}

	// A failing half-open probe reaches the upstream once and opens the breaker again.
	seen := order.count()
	eventually(t, func() bool {
		h.do(t, "GET", "/api/v1/orders", "", alice)
		return order.count() > seen
	}, "no half-open probe reached the upstream")
	if resp, _ := h.do(t, "GET", "/api/v1/orders", "", alice); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("after a failed probe: status %d, want 503", resp.StatusCode)
	}

	order.set(http.StatusOK)
	eventually(t, func() bool {
		resp, _ := h.do(t, "GET", "/api/v1/orders", "", alice)
		return resp.StatusCode == http.StatusOK
	}, "breaker did not close after the upstream recovered")
	if got := breakerStates(t, h)["order"]; got != "closed" {
		t.Errorf("order breaker %q after a successful probe, want closed", got)
	}
}

func TestBreakerIgnoresClientsThatGoAway(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig(), nil)
	order := h.up["order"]
	release := make(chan struct{})
	defer close(release)
	order.mu.Lock()
	order.block = release
	order.mu.Unlock()
	for range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", h.url+"/api/v1/orders", nil)
		req.Header.Set("Authorization", "Bearer "+h.token(t, "alice"))
		go func() { <-order.entered; cancel() }()
		if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.Canceled) {
			t.Fatalf("request error %v, want context.Canceled", err)
		}
	}
	eventually(t, func() bool { return h.active() == 0 }, "gateway still serving cancelled requests")
	if got := breakerStates(t, h)["order"]; got != "closed" {
		t.Fatalf("order breaker %q after cancelled requests, want closed", got)
	}
}

func TestBreakerCountsTimeouts(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.UpstreamTimeout = 50 * time.Millisecond
	h := newHarness(t, cfg, nil)
	release := make(chan struct{})
	defer close(release)
	order := h.up["order"]
	order.mu.Lock()
	order.block = release
	order.mu.Unlock()
	alice := bearer(h.token(t, "alice"))
	for i := range 3 {
		if resp, _ := h.do(t, "GET", "/api/v1/orders", "", alice); resp.StatusCode != http.StatusGatewayTimeout {
			t.Fatalf("slow request %d: status %d, want 504", i+1, resp.StatusCode)
		}
	}
	if resp, _ := h.do(t, "GET", "/api/v1/orders", "", alice); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("after three timeouts: status %d, want 503", resp.StatusCode)
	}
	if n := order.count(); n != 3 {
		t.Errorf("upstream saw %d requests, want 3", n)
	}
}

// TestBreakerListIncludesTheServicesBreakers checks that the admin list
// shows, besides the gateway's own breakers, those each service reports for
// its outgoing calls.
func TestBreakerListIncludesTheServicesBreakers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig(), nil)
	payment := h.up["payment"]
	payment.mu.Lock()
	payment.body = func(r *http.Request) string {
		if r.URL.Path == "/internal/breakers" {
			return `{"items":[{"name":"payment-provider","state":"open"}]}`
		}
		return `{}`
	}
	payment.mu.Unlock()
	want := map[string]string{
		"order": "closed", "inventory": "closed", "payment": "closed", "notification": "closed",
		"payment-provider": "open",
	}
	if diff := cmp.Diff(want, breakerStates(t, h)); diff != "" {
		t.Errorf("breakers (-want +got):\n%s", diff)
	}
}

// A service that answers 503 is up and failing fast on a dependency of its
// own: its breaker stays closed, so that its answers reach the client and
// its routes work again the moment the dependency is back.
func TestBreakerIgnoresAnUpstreams503(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.CacheTTL = 0
	h := newHarness(t, cfg, nil)
	alice := bearer(h.token(t, "alice"))
	order := h.up["order"]
	order.set(http.StatusServiceUnavailable)
	for i := range 10 {
		if resp, _ := h.do(t, "GET", "/api/v1/orders", "", alice); resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("answer %d: status %d, want the upstream's 503", i+1, resp.StatusCode)
		}
	}
	if got := breakerStates(t, h)["order"]; got != "closed" {
		t.Fatalf("order breaker %q after ten 503s, want closed", got)
	}
	order.set(http.StatusOK)
	if resp, _ := h.do(t, "GET", "/api/v1/orders", "", alice); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the dependency is back: status %d, want 200", resp.StatusCode)
	}
}
