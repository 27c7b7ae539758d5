package gateway_test

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventshop/eventshop/testkit"
)

// replica is one replica of the order service that a test can stop and
// start again on the same address. It counts the API requests it took
// (probes aside) and the Idempotency-Key of every POST.
type replica struct {
	addr string

	notReady   atomic.Bool // /readyz answers 503
	abortPosts atomic.Bool // a POST is taken and its connection dropped unanswered

	mu    sync.Mutex
	srv   *http.Server
	gets  int
	posts []string
}

// startReplica starts a replica on a free loopback port.
func startReplica(t *testing.T) *replica {
	t.Helper()
	r := &replica{addr: "127.0.0.1:0"}
	r.start(t)
	t.Cleanup(r.stop)
	return r
}

// start serves on the replica's address (again, after stop).
func (r *replica) start(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	r.mu.Lock()
	r.addr, r.srv = ln.Addr().String(), srv
	r.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// stop closes the listener and every connection, as a replica that dies.
func (r *replica) stop() {
	r.mu.Lock()
	srv := r.srv
	r.mu.Unlock()
	_ = srv.Close()
}

func (r *replica) url() string { return "http://" + r.addr }

func (r *replica) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_, _ = io.Copy(io.Discard, req.Body)
	switch {
	case req.URL.Path == "/readyz" && r.notReady.Load():
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	case req.URL.Path == "/readyz" || req.URL.Path == "/internal/breakers":
		w.WriteHeader(http.StatusOK)
		return
	}
	r.mu.Lock()
	if req.Method == http.MethodPost {
		r.posts = append(r.posts, req.Header.Get("Idempotency-Key"))
	} else {
		r.gets++
	}
	r.mu.Unlock()
	if req.Method == http.MethodPost && r.abortPosts.Load() {
		r.notReady.Store(true)      // it stays down for the probe too
		panic(http.ErrAbortHandler) // the connection closes with no answer
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"items":[]}`)
}

func (r *replica) getCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gets
}

func (r *replica) postKeys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.posts...)
}

// client sends a customer's requests to a gateway.
type client struct {
	base, auth string
	http       *http.Client
}

func newClient(t *testing.T, base string) *client {
	t.Helper()
	return &client{base: base, auth: "Bearer " + newIssuerToken(t, "alice"), http: &http.Client{Timeout: 10 * time.Second}}
}

// status sends method to path with an Idempotency-Key of key (for a POST)
// and returns the answer's status, or 0 when none came.
func (c *client) status(method, path, key string) int {
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(`{"items":[{"sku":"SKU-1","quantity":1}]}`)
	}
	req, _ := http.NewRequest(method, c.base+path, body)
	req.Header.Set("Authorization", c.auth)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// harnessWithOrder is a gateway in process whose order upstream is orderURL.
func harnessWithOrder(t *testing.T, orderURL string) string {
	t.Helper()
	cfg := testConfig()
	cfg.OrderURL = orderURL
	cfg.ProbeInterval = 50 * time.Millisecond
	cfg.BreakerOpenTimeout = 100 * time.Millisecond
	return newHarness(t, cfg, nil).url
}

// TestRequestsSpreadOverReplicas checks that an upstream configured with
// two replica URLs gets its requests spread evenly over both.
func TestRequestsSpreadOverReplicas(t *testing.T) {
	t.Parallel()
	a, b := startReplica(t), startReplica(t)
	c := newClient(t, harnessWithOrder(t, a.url()+","+b.url()))
	for i := range 10 {
		if got := c.status(http.MethodGet, "/api/v1/orders", ""); got != http.StatusOK {
			t.Fatalf("request %d: status %d", i, got)
		}
	}
	if a.getCount() != 5 || b.getCount() != 5 {
		t.Errorf("replicas took %d and %d requests, want 5 and 5", a.getCount(), b.getCount())
	}
}

// TestReplicaThatDiesGetsNoTrafficUntilItAnswers stops one of two
// replicas: no GET fails, the survivor takes them all, and the replica
// gets requests again once it is back on its address.
func TestReplicaThatDiesGetsNoTrafficUntilItAnswers(t *testing.T) {
	t.Parallel()
	replicaDies(t, harnessWithOrder)
}

// replicaDies is TestReplicaThatDiesGetsNoTrafficUntilItAnswers on the
// gateway that start returns, given its order upstream's URLs.
func replicaDies(t *testing.T, start func(t *testing.T, orderURL string) string) {
	t.Helper()
	a, b := startReplica(t), startReplica(t)
	c := newClient(t, start(t, a.url()+","+b.url()))
	for i := range 10 {
		if got := c.status(http.MethodGet, "/api/v1/orders", ""); got != http.StatusOK {
			t.Fatalf("request %d: status %d", i, got)
		}
	}
	if a.getCount() == 0 || b.getCount() == 0 {
		t.Fatalf("replicas took %d and %d requests, want both some", a.getCount(), b.getCount())
	}
	b.stop()
	before := a.getCount()
	for i := range 20 {
		if got := c.status(http.MethodGet, "/api/v1/orders", ""); got != http.StatusOK {
			t.Errorf("request %d after a replica died: status %d, want 200", i, got)
		}
	}
	if got := a.getCount() - before; got != 20 {
		t.Errorf("the surviving replica took %d of 20 requests", got)
	}
	b.start(t)
	back := b.getCount()
	testkit.Eventually(t, 30*time.Second, func() bool {
		return c.status(http.MethodGet, "/api/v1/orders", "") == http.StatusOK && b.getCount() > back
	}, "the replica got no requests after it came back")
}

// TestPostIsNeverSentTwice has one replica drop the connection of the
// first POST it takes, and report itself not ready from then on: the
// client gets a 502 and the other replica never sees that POST; the
// gateway takes the replica out, and the other POSTs go to the other one
// and succeed. Every POST reaches one replica, once.
func TestPostIsNeverSentTwice(t *testing.T) {
	t.Parallel()
	a, b := startReplica(t), startReplica(t)
	b.abortPosts.Store(true)
	c := newClient(t, harnessWithOrder(t, a.url()+","+b.url()))
	failed := 0
	for i := range 20 {
		key := "key-" + string(rune('a'+i))
		switch got := c.status(http.MethodPost, "/api/v1/orders", key); got {
		case http.StatusOK:
		case http.StatusBadGateway:
			failed++
		default:
			t.Errorf("POST %s: status %d", key, got)
		}
	}
	seen := map[string]int{}
	for _, k := range append(a.postKeys(), b.postKeys()...) {
		seen[k]++
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("POST %s was sent %d times", k, n)
		}
	}
	if len(b.postKeys()) != 1 || failed != 1 {
		t.Errorf("%d POSTs failed and the dropping replica took %d, want 1 and 1", failed, len(b.postKeys()))
	}
	if len(seen) != 20 {
		t.Errorf("%d of 20 POSTs reached a replica", len(seen))
	}
}

// TestReadinessPerReplica checks /readyz with two order replicas: ready
// while one of them is, each replica named with its own verdict; a replica
// whose probe fails gets no requests until the probe passes again, unless
// no replica is ready, when requests still go to one that answers.
func TestReadinessPerReplica(t *testing.T) {
	t.Parallel()
	a, b := startReplica(t), startReplica(t)
	gw := harnessWithOrder(t, a.url()+","+b.url())
	c := newClient(t, gw)
	b.notReady.Store(true)
	code, got := readyz(t, gw)
	if code != http.StatusOK || got["order"] != "ok" || got["order "+a.addr] != "ok" || got["order "+b.addr] != "not ready: readyz status 503" {
		t.Errorf("readyz with one replica not ready: %d %v", code, got)
	}
	before := b.getCount()
	for i := range 10 {
		if got := c.status(http.MethodGet, "/api/v1/orders", ""); got != http.StatusOK {
			t.Errorf("request %d: status %d", i, got)
		}
	}
	if b.getCount() != before {
		t.Errorf("the replica that is not ready took %d requests", b.getCount()-before)
	}
	a.notReady.Store(true)
	if code, got := readyz(t, gw); code != http.StatusServiceUnavailable || got["order"] == "ok" {
		t.Errorf("readyz with no replica ready: %d %v, want 503", code, got)
	}
	if got := c.status(http.MethodGet, "/api/v1/orders", ""); got != http.StatusOK {
		t.Errorf("with no replica ready but both answering: status %d, want 200 from either", got)
	}
	a.notReady.Store(false)
	b.notReady.Store(false)
	testkit.Eventually(t, 30*time.Second, func() bool {
		return c.status(http.MethodGet, "/api/v1/orders", "") == http.StatusOK && b.getCount() > before
	}, "the replica got no requests once ready again")
	if code, _ := readyz(t, gw); code != http.StatusOK {
		t.Errorf("readyz once both are ready: %d", code)
	}
}

// TestBreakersArePerReplica opens the breaker of one of two replicas,
// which answers 500: the other keeps serving, and the admin list and the
// metrics show each replica's breaker.
func TestBreakersArePerReplica(t *testing.T) {
	t.Parallel()
	bad := newUpstream(t, "order")
	bad.set(http.StatusInternalServerError)
	good := startReplica(t)
	cfg := testConfig()
	cfg.OrderURL = good.url() + "," + bad.srv.URL
	cfg.BreakerFailures = 2
	cfg.ProbeInterval = time.Hour // the breaker alone takes the replica out
	h := newHarness(t, cfg, nil)
	c := newClient(t, h.url)
	fails := 0
	for range 20 {
		if c.status(http.MethodGet, "/api/v1/orders", "") != http.StatusOK {
			fails++
		}
	}
	if fails != 2 {
		t.Errorf("%d requests failed, want the 2 that opened the bad replica's breaker", fails)
	}
	badHost := strings.TrimPrefix(bad.srv.URL, "http://")
	want := map[string]string{good.addr: "closed", badHost: "open"}
	got := map[string]string{}
	for _, it := range adminBreakers(t, h) {
		if it.Name == "order" {
			got[it.Replica] = it.State
		}
	}
	if len(got) != 2 || got[good.addr] != want[good.addr] || got[badHost] != want[badHost] {
		t.Errorf("order breakers by replica %v, want %v", got, want)
	}
	_, metrics := h.do(t, "GET", "/metrics", "")
	for _, line := range []string{
		`eventshop_breaker_state{breaker="order",replica="` + badHost + `",service="gateway"} 2`,
		`eventshop_breaker_state{breaker="order",replica="` + good.addr + `",service="gateway"} 0`,
		`eventshop_gateway_replica_ready{replica="` + good.addr + `",upstream="order"} 1`,
	} {
		if !strings.Contains(metrics, line) {
			t.Errorf("metrics lack %s", line)
		}
	}
}

type breakerItem struct {
	Name, Replica, State string
}

func adminBreakers(t *testing.T, h *harness) []breakerItem {
	t.Helper()
	resp, body := h.do(t, "GET", "/api/v1/admin/breakers", "", bearer(h.token(t, "admin")))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("breakers: %d %s", resp.StatusCode, body)
	}
	var out struct{ Items []breakerItem }
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	return out.Items
}

func readyz(t *testing.T, base string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// TestRestartedServiceIsServedBeforeItsBreakerTimesOut stops the only
// replica of order until its breaker opens, then starts it again: the
// gateway probes a replica it could not reach, and its answer closes the
// breaker at once, long before the breaker's open timeout (an hour here).
func TestRestartedServiceIsServedBeforeItsBreakerTimesOut(t *testing.T) {
	t.Parallel()
	r := startReplica(t)
	cfg := testConfig()
	cfg.OrderURL = r.url()
	cfg.ProbeInterval = 50 * time.Millisecond
	cfg.BreakerFailures = 2
	cfg.BreakerOpenTimeout = time.Hour
	h := newHarness(t, cfg, nil)
	c := newClient(t, h.url)
	if got := c.status(http.MethodGet, "/api/v1/orders", ""); got != http.StatusOK {
		t.Fatalf("before the stop: status %d", got)
	}
	r.stop()
	for range 3 {
		c.status(http.MethodGet, "/api/v1/orders", "")
	}
	if got := c.status(http.MethodGet, "/api/v1/orders", ""); got != http.StatusServiceUnavailable {
		t.Fatalf("order stopped: status %d, want 503 from the open breaker", got)
	}
	r.start(t)
	testkit.Eventually(t, 30*time.Second, func() bool {
		return c.status(http.MethodGet, "/api/v1/orders", "") == http.StatusOK
	}, "order not served again after it came back")
	for _, it := range adminBreakers(t, h) {
		if it.Name == "order" && it.State != "closed" {
			t.Errorf("order breaker %s after the restart, want closed", it.State)
		}
	}
}
