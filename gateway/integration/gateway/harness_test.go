package gateway_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventshop/eventshop/gateway/internal/config"
	"github.com/eventshop/eventshop/gateway/internal/gateway"
	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/testkit"
)

const secret = "gateway-test-secret-0123456789"

// upstream is a fake service that records what reached it and answers with
// whatever the test sets.
type upstream struct {
	srv *httptest.Server

	mu      sync.Mutex
	seen    []*http.Request
	bodies  []string // the body of each request in seen
	status  int
	body    func(r *http.Request) string
	block   chan struct{} // when set, requests wait for it to close
	entered chan struct{}
}

func newUpstream(t *testing.T, name string) *upstream {
	t.Helper()
	u := &upstream{status: http.StatusOK, entered: make(chan struct{}, 100)}
	u.body = func(r *http.Request) string { return `{"upstream":"` + name + `","path":"` + r.URL.Path + `"}` }
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.seen = append(u.seen, r)
	u.bodies = append(u.bodies, string(b))
	status, body, block := u.status, u.body(r), u.block
	u.mu.Unlock()
	u.entered <- struct{}{}
	if block != nil {
		<-block
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func (u *upstream) set(status int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.status = status
}

func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.seen)
}

// lastBody is the body of the last request the upstream saw.
func (u *upstream) lastBody() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.bodies) == 0 {
		return ""
	}
	return u.bodies[len(u.bodies)-1]
}

func (u *upstream) last() *http.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.seen) == 0 {
		return nil
	}
	return u.seen[len(u.seen)-1]
}

// clock is a settable time source for the rate limiter and the cache.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// harness is a gateway in front of four fake upstreams.
type harness struct {
	url   string
	up    map[string]*upstream
	clock *clock
	iss   *auth.Issuer
	gw    *gateway.Gateway
}

// active is the number of requests the gateway is answering.
func (h *harness) active() int { return h.gw.InFlight() }

// testConfig is a configuration with generous limits, for tests to adjust.
func testConfig() config.Config {
	return config.Config{
		Auth:      auth.Config{Secret: secret, Issuer: auth.DefaultIssuer, Audience: auth.DefaultAudience},
		DevIssuer: true, TokenTTL: time.Hour,
		Rate: config.Rate{
			AuthRPS: 1000, AuthBurst: 1000, ReadRPS: 1000, ReadBurst: 1000,
			WriteRPS: 1000, WriteBurst: 1000, AdminRPS: 1000, AdminBurst: 1000,
		},
		CacheTTL: time.Minute, BreakerFailures: 3, BreakerOpenTimeout: time.Hour,
		BodyLimit: 64 << 10,
	}
}

// eachTransport runs test on the gateway's own upstream pool and on the
// plain http.Transport it is measured against (config.UpstreamPoolOff):
// both must behave alike.
func eachTransport(t *testing.T, test func(t *testing.T, cfg config.Config)) {
	t.Helper()
	for _, off := range []bool{false, true} {
		t.Run(map[bool]string{false: "pool", true: "transport"}[off], func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			cfg.UpstreamPoolOff = off
			test(t, cfg)
		})
	}
}

func newHarness(t *testing.T, cfg config.Config, b *bus.Bus) *harness {
	t.Helper()
	h := &harness{up: map[string]*upstream{}, clock: &clock{now: time.Unix(1_800_000_000, 0)}}
	for _, name := range []string{"order", "inventory", "payment", "notification"} {
		h.up[name] = newUpstream(t, name)
	}
	// A URL the test set already (a misbehaving upstream) is kept.
	for _, u := range []struct {
		url  *string
		name string
	}{{&cfg.OrderURL, "order"}, {&cfg.InventoryURL, "inventory"}, {&cfg.PaymentURL, "payment"}, {&cfg.NotificationURL, "notification"}} {
		if *u.url == "" {
			*u.url = h.up[u.name].srv.URL
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	g, err := gateway.New(context.Background(), cfg, log, gateway.Options{Bus: b, Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	h.gw = g
	h.url = serve(t, g)
	h.iss = auth.NewIssuer(auth.Config{Secret: secret}, time.Hour)
	return h
}

// serve runs g's server on a loopback port until the test ends and
// returns its base URL.
func serve(t testing.TB, g *gateway.Gateway) string {
	t.Helper()
	addr := testkit.FreeAddr(t)
	done := make(chan error, 1)
	go func() { done <- g.ListenAndServe(addr) }()
	select {
	case <-g.Started():
	case err := <-done:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = g.Shutdown(ctx)
		<-done
	})
	return "http://" + addr
}

func (h *harness) token(t *testing.T, user string) string {
	t.Helper()
	tok, err := h.iss.Token(user)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// do sends a request with the given headers ("Name: value") and returns the
// response with its body read.
func (h *harness) do(t *testing.T, method, path, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for _, hv := range headers {
		k, v, _ := strings.Cut(hv, ": ")
		req.Header.Add(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func bearer(tok string) string { return "Authorization: Bearer " + tok }

func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	testkit.Eventually(t, 5*time.Second, cond, msg)
}

// newIssuerToken is a token for user signed with the tests' secret.
func newIssuerToken(t testing.TB, user string) string {
	t.Helper()
	tok, err := auth.NewIssuer(auth.Config{Secret: secret}, time.Hour).Token(user)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
