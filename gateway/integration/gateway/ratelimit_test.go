package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRateLimitPerUserAndClass(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Rate.WriteRPS, cfg.Rate.WriteBurst = 0.5, 3 // a full bucket every 6s
	h := newHarness(t, cfg, nil)
	alice := bearer(h.token(t, "alice"))
	place := func(authz string) *http.Response {
		resp, _ := h.do(t, "POST", "/api/v1/orders", `{"items":[]}`, authz)
		return resp
	}
	for i, wantRemaining := range []string{"2", "1", "0"} {
		resp := place(alice)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: status %d, want 200", i+1, resp.StatusCode)
		}
		if got := resp.Header.Get("RateLimit-Remaining"); got != wantRemaining {
			t.Errorf("request %d: RateLimit-Remaining = %q, want %q", i+1, got, wantRemaining)
		}
	}
	resp := place(alice)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("over budget: status %d, want 429", resp.StatusCode)
	}
	got := map[string]string{}
	for _, k := range []string{"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Content-Type"} {
		got[k] = resp.Header.Get(k)
	}
	want := map[string]string{"Retry-After": "2", "RateLimit-Limit": "3", "RateLimit-Remaining": "0",
		"RateLimit-Reset": "6", "Content-Type": "application/problem+json"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("429 headers (-want +got):\n%s", diff)
	}
	if n := h.up["order"].count(); n != 3 {
		t.Errorf("upstream saw %d requests, want 3", n)
	}
	if resp := place(bearer(h.token(t, "bob"))); resp.StatusCode != http.StatusOK {
		t.Errorf("bob limited by alice's budget: %d", resp.StatusCode)
	}
	if resp, _ := h.do(t, "GET", "/api/v1/orders", "", alice); resp.StatusCode != http.StatusOK {
		t.Errorf("read class limited by the write budget: %d", resp.StatusCode)
	}
	h.clock.Advance(2 * time.Second)
	if resp := place(alice); resp.StatusCode != http.StatusOK {
		t.Errorf("after the window: status %d, want 200", resp.StatusCode)
	}
}

func TestRateLimitAnonymousByClientAddress(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.CacheTTL = 0
	cfg.Rate.ReadRPS, cfg.Rate.ReadBurst = 1, 2
	h := newHarness(t, cfg, nil)
	for i := range 2 {
		// A forged X-Forwarded-For from an untrusted peer must not buy a new budget.
		resp, _ := h.do(t, "GET", "/api/v1/products", "", "X-Forwarded-For: 10.0.0."+string(rune('1'+i)))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: status %d", i+1, resp.StatusCode)
		}
	}
	resp, _ := h.do(t, "GET", "/api/v1/products", "", "X-Forwarded-For: 10.0.0.9")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third anonymous request: status %d, want 429", resp.StatusCode)
	}
}

func TestRateLimitTrustedProxy(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.CacheTTL = 0
	cfg.TrustedProxies = []string{"127.0.0.0/8"}
	cfg.Rate.ReadRPS, cfg.Rate.ReadBurst = 1, 1
	h := newHarness(t, cfg, nil)
	for _, client := range []string{"203.0.113.1", "203.0.113.2"} {
		if resp, _ := h.do(t, "GET", "/api/v1/products", "", "X-Forwarded-For: "+client); resp.StatusCode != http.StatusOK {
			t.Fatalf("client %s: status %d, want its own budget", client, resp.StatusCode)
		}
	}
	if resp, _ := h.do(t, "GET", "/api/v1/products", "", "X-Forwarded-For: 203.0.113.1"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("repeat client: status %d, want 429", resp.StatusCode)
	}
}

func TestRateLimitOff(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.CacheTTL = 0
	cfg.Rate.ReadRPS, cfg.Rate.ReadBurst, cfg.Rate.Off = 1, 1, true
	h := newHarness(t, cfg, nil)
	for i := range 5 {
		resp, _ := h.do(t, "GET", "/api/v1/products", "")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("RateLimit-Limit") != "" {
			t.Fatalf("request %d with limits off: status %d, RateLimit-Limit %q", i+1, resp.StatusCode, resp.Header.Get("RateLimit-Limit"))
		}
	}
}

// TestRateLimitHoldsAcrossTwoGateways checks the per-replica share: two
// gateways told they are two replicas of a budget of 10 let one user
// through 10 times in all, however a balancer spreads the requests, and
// each announces its own share in RateLimit-Limit.
func TestRateLimitHoldsAcrossTwoGateways(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Rate.WriteRPS, cfg.Rate.WriteBurst, cfg.Rate.Replicas = 0.001, 10, 2
	a, b := newHarness(t, cfg, nil), newHarness(t, cfg, nil)
	alice := bearer(a.token(t, "alice"))
	allowed := 0
	for i := range 14 {
		h := []*harness{a, b}[i%2]
		resp, _ := h.do(t, "POST", "/api/v1/orders", `{}`, alice)
		switch resp.StatusCode {
		case http.StatusOK:
			allowed++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("request %d: status %d", i+1, resp.StatusCode)
		}
		if got := resp.Header.Get("RateLimit-Limit"); got != "5" {
			t.Errorf("request %d: RateLimit-Limit %q, want this replica's share, 5", i+1, got)
		}
	}
	if allowed != 10 {
		t.Errorf("two gateways allowed %d requests, want the budget, 10", allowed)
	}
}
