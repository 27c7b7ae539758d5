package provider_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/eventshop/eventshop/pkg/outage"
	"github.com/eventshop/eventshop/services/payment/internal/adapters/provider"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/provider/simulator"
)

// startSimulator serves a fresh provider simulator.
func startSimulator(t *testing.T, cfg simulator.Config) (*simulator.Simulator, string) {
	t.Helper()
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

// fastConfig keeps timeouts and pauses short so failing paths end quickly.
func fastConfig(url string) provider.Config {
	return provider.Config{BaseURL: url, Timeout: 100 * time.Millisecond, Attempts: 3,
		Backoff: time.Millisecond, TripAfter: 100, OpenFor: time.Minute}
}

func request(key, token string) command.AuthoriseRequest {
	return command.AuthoriseRequest{IdempotencyKey: key, AmountCents: 4200, Currency: "EUR", CardToken: token}
}

func TestAuthoriseOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		token     string
		faults    simulator.Faults
		wantErr   error
		wantAuths int
	}{
		{"visa is authorised", simulator.TokenVisa, simulator.Faults{}, nil, 1},
		{"decline is declined", simulator.TokenDecline, simulator.Faults{}, command.ErrDeclined, 0},
		{"unknown token is rejected", "tok_unknown", simulator.Faults{}, command.ErrProviderRejected, 0},
		{"timeout times out after retries", simulator.TokenTimeout, simulator.Faults{}, command.ErrProviderTimeout, 0},
		{"failing provider is unavailable", simulator.TokenVisa, simulator.Faults{FailureRate: 1}, command.ErrProviderUnavailable, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim, url := startSimulator(t, simulator.Config{Faults: tt.faults})
			c := provider.New(fastConfig(url))
			id, err := c.Authorise(t.Context(), request("order-1", tt.token))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if (err == nil) != (id != "") {
				t.Errorf("id = %q with err %v", id, err)
			}
			if got := len(sim.Authorizations()); got != tt.wantAuths {
				t.Errorf("provider authorisations = %d, want %d", got, tt.wantAuths)
			}
		})
	}
}

func TestDeclinesDoNotOpenBreaker(t *testing.T) {
	t.Parallel()
	_, url := startSimulator(t, simulator.Config{})
	cfg := fastConfig(url)
	cfg.TripAfter = 2
	c := provider.New(cfg)
	for range 5 {
		if _, err := c.Authorise(t.Context(), request("declined", simulator.TokenDecline)); !errors.Is(err, command.ErrDeclined) {
			t.Fatalf("err = %v, want declined", err)
		}
	}
	if c.State() != gobreaker.StateClosed {
		t.Fatalf("breaker = %s, want closed", c.State())
	}
}

func TestAFewTimeoutsAmongSuccessesKeepBreakerClosed(t *testing.T) {
	t.Parallel()
	_, url := startSimulator(t, simulator.Config{})
	cfg := fastConfig(url)
	cfg.TripAfter = 3
	c := provider.New(cfg)
	for i := range 10 {
		if _, err := c.Authorise(t.Context(), request(fmt.Sprintf("fast-%d", i), simulator.TokenVisa)); err != nil {
			t.Fatalf("authorise: %v", err)
		}
	}
	if _, err := c.Authorise(t.Context(), request("slow", simulator.TokenTimeout)); !errors.Is(err, command.ErrProviderTimeout) {
		t.Fatalf("err = %v, want timeout", err)
	}
	if c.State() != gobreaker.StateClosed {
		t.Fatalf("breaker = %s after 3 timed-out attempts among 10 successes, want closed", c.State())
	}
	if _, err := c.Authorise(t.Context(), request("fast-after", simulator.TokenVisa)); err != nil {
		t.Fatalf("authorise after the timeout: %v", err)
	}
}

func TestFailuresExhaustingAttemptsAreAnOutage(t *testing.T) {
	t.Parallel()
	_, url := startSimulator(t, simulator.Config{})
	c := provider.New(fastConfig(url))
	id, err := c.Authorise(t.Context(), request("to-capture", simulator.TokenVisa))
	if err != nil {
		t.Fatalf("authorise: %v", err)
	}
	res, err := http.Post(url+"/v1/admin/faults", "application/json", strings.NewReader(`{"failure_rate":1}`))
	if err != nil {
		t.Fatalf("set faults: %v", err)
	}
	res.Body.Close()
	if res.StatusCode >= 300 {
		t.Fatalf("set faults: status %d", res.StatusCode)
	}
	err = c.Capture(t.Context(), id, 4200)
	if !errors.Is(err, command.ErrProviderUnavailable) || !outage.Is(err) {
		t.Fatalf("err = %v, want an unavailable provider, marked as an outage", err)
	}
}

func TestTimeoutsOpenBreaker(t *testing.T) {
	t.Parallel()
	sim, url := startSimulator(t, simulator.Config{})
	cfg := fastConfig(url)
	cfg.TripAfter = 3
	var opened atomic.Bool
	cfg.OnStateChange = func(_, to gobreaker.State) { opened.Store(to == gobreaker.StateOpen) }
	c := provider.New(cfg)
	if _, err := c.Authorise(t.Context(), request("slow", simulator.TokenTimeout)); !errors.Is(err, command.ErrProviderTimeout) {
		t.Fatalf("err = %v, want timeout", err)
	}
	if c.State() != gobreaker.StateOpen || !opened.Load() {
		t.Fatalf("breaker = %s, want open after 3 timed-out attempts", c.State())
	}
	_, err := c.Authorise(t.Context(), request("fast", simulator.TokenVisa))
	if !errors.Is(err, command.ErrProviderUnavailable) || !errors.Is(err, gobreaker.ErrOpenState) {
		t.Fatalf("err = %v, want unavailable because the breaker is open", err)
	}
	if got := len(sim.Authorizations()); got != 0 {
		t.Errorf("provider authorisations = %d, want 0: an open breaker sends nothing", got)
	}
}

func TestCancelledCallerDoesNotCountAsFailure(t *testing.T) {
	t.Parallel()
	_, url := startSimulator(t, simulator.Config{})
	cfg := fastConfig(url)
	cfg.Timeout, cfg.TripAfter = time.Minute, 1
	c := provider.New(cfg)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err := c.Authorise(ctx, request("slow", simulator.TokenTimeout))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if errors.Is(err, command.ErrProviderTimeout) || errors.Is(err, command.ErrProviderUnavailable) {
		t.Errorf("err = %v must not read as a provider failure", err)
	}
	if c.State() != gobreaker.StateClosed {
		t.Errorf("breaker = %s, want closed", c.State())
	}
}

// lossyProxy forwards requests to the simulator but answers the first one
// with 503, as if the answer was lost after the provider acted.
func lossyProxy(t *testing.T, sim http.Handler) string {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			sim.ServeHTTP(httptest.NewRecorder(), r)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestRetryDoesNotAuthoriseTwice(t *testing.T) {
	t.Parallel()
	sim, err := simulator.New(simulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := provider.New(fastConfig(lossyProxy(t, sim)))
	id, err := c.Authorise(t.Context(), request("order-7", simulator.TokenVisa))
	if err != nil {
		t.Fatalf("authorise: %v", err)
	}
	auths := sim.Authorizations()
	if len(auths) != 1 || auths[0].ID != id {
		t.Fatalf("provider authorisations = %+v, want exactly %s", auths, id)
	}
	again, err := c.Authorise(t.Context(), request("order-7", simulator.TokenVisa))
	if err != nil || again != id {
		t.Fatalf("repeat = %q, %v; want %q", again, err, id)
	}
}
