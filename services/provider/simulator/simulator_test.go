package simulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/services/provider/simulator"
)

// start serves a fresh simulator and returns its base URL.
func start(t *testing.T, cfg simulator.Config) (*simulator.Simulator, string) {
	t.Helper()
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatalf("new simulator: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

// call sends a JSON request and decodes the answer into a map.
func call(t *testing.T, ctx context.Context, method, url string, body any) (int, map[string]any, http.Header) {
	t.Helper()
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			t.Fatalf("encode: %v", err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, url, &buf)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("decode %s %s: %v", method, url, err)
	}
	return res.StatusCode, out, res.Header
}

func authReq(key, token string) simulator.AuthorizeRequest {
	return simulator.AuthorizeRequest{IdempotencyKey: key, AmountCents: 1250, Currency: "EUR", CardToken: token}
}

func TestAuthorizeByToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		req        simulator.AuthorizeRequest
		wantStatus int
		wantField  string
		wantValue  any
	}{
		{"visa approves", authReq("k1", simulator.TokenVisa), http.StatusCreated, "status", "authorized"},
		{"decline declines", authReq("k2", simulator.TokenDecline), http.StatusPaymentRequired, "reason", "card_declined"},
		{"unknown token", authReq("k3", "tok_amex"), http.StatusBadRequest, "detail", "unknown card_token"},
		{"no key", authReq("", simulator.TokenVisa), http.StatusBadRequest, "detail", "idempotency_key is required"},
		{"zero amount", simulator.AuthorizeRequest{IdempotencyKey: "k4", Currency: "EUR", CardToken: simulator.TokenVisa},
			http.StatusBadRequest, "detail", "amount_cents must be positive"},
	}
	_, url := start(t, simulator.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body, _ := call(t, t.Context(), http.MethodPost, url+"/v1/authorizations", tt.req)
			if status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %v)", status, tt.wantStatus, body)
			}
			if diff := cmp.Diff(tt.wantValue, body[tt.wantField]); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.wantField, diff)
			}
		})
	}
}

func TestTimeoutTokenHoldsUntilClientGivesUp(t *testing.T) {
	t.Parallel()
	sim, url := start(t, simulator.Config{})
	body, _ := json.Marshal(authReq("slow", simulator.TokenTimeout))
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/authorizations", bytes.NewReader(body))
	res, err := http.DefaultClient.Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("got an answer %d, want the client to give up", res.StatusCode)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if got := len(sim.Authorizations()); got != 0 {
		t.Errorf("authorizations = %d, want 0", got)
	}
}

func TestTimeoutTokenIsBounded(t *testing.T) {
	t.Parallel()
	_, url := start(t, simulator.Config{HoldLimit: 10 * time.Millisecond})
	status, _, _ := call(t, t.Context(), http.MethodPost, url+"/v1/authorizations", authReq("slow", simulator.TokenTimeout))
	if status != http.StatusGatewayTimeout {
		t.Fatalf("status = %d, want 504", status)
	}
}

func TestIdempotency(t *testing.T) {
	t.Parallel()
	sim, url := start(t, simulator.Config{})
	_, first, _ := call(t, t.Context(), http.MethodPost, url+"/v1/authorizations", authReq("order-1", simulator.TokenVisa))
	status, again, header := call(t, t.Context(), http.MethodPost, url+"/v1/authorizations", authReq("order-1", simulator.TokenVisa))
	if status != http.StatusCreated || header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay status = %d replayed = %q", status, header.Get("Idempotent-Replayed"))
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("replay differs (-first +again):\n%s", diff)
	}
	if got := len(sim.Authorizations()); got != 1 {
		t.Errorf("authorizations = %d, want 1", got)
	}
	other := authReq("order-1", simulator.TokenVisa)
	other.AmountCents = 99
	if status, _, _ := call(t, t.Context(), http.MethodPost, url+"/v1/authorizations", other); status != http.StatusUnprocessableEntity {
		t.Errorf("other body with same key: status = %d, want 422", status)
	}
	for range 2 {
		if status, body, _ := call(t, t.Context(), http.MethodPost, url+"/v1/authorizations", authReq("order-2", simulator.TokenDecline)); status != http.StatusPaymentRequired {
			t.Errorf("decline replay status = %d (%v), want 402", status, body)
		}
	}
}
