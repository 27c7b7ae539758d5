package gateway_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/eventshop/eventshop/gateway/internal/config"
)

// TestUpstreamConnectionsAreKeptAlive checks that requests one after the
// other reach the upstream over the connection the one before used, which
// the gateway's per-request timeout and cancellation must not close.
func TestUpstreamConnectionsAreKeptAlive(t *testing.T) {
	t.Parallel()
	eachTransport(t, testKeptAlive)
}

func testKeptAlive(t *testing.T, cfg config.Config) {
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

// TestGetIsSentAgainWhenItsReusedConnectionWasClosed checks that a GET
// that meets an upstream connection the upstream closed while it was idle
// is sent once more on a new connection: the client gets the answer, and
// the upstream reads every GET once.
func TestGetIsSentAgainWhenItsReusedConnectionWasClosed(t *testing.T) {
	t.Parallel()
	eachTransport(t, testGetSentAgain)
}

func testGetSentAgain(t *testing.T, cfg config.Config) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var seen atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			if _, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
				seen.Add(1)
				_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			}
			conn.Close() // without saying so: the gateway pools the connection
		}
	}()
	cfg.OrderURL = "http://" + ln.Addr().String()
	h := newHarness(t, cfg, nil)
	alice := bearer(h.token(t, "alice"))
	const requests = 20
	for i := range requests {
		if resp, _ := h.do(t, "GET", "/api/v1/orders", "", alice); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: status %d", i, resp.StatusCode)
		}
	}
	if n := seen.Load(); n != requests {
		t.Errorf("the upstream read %d GETs, want %d", n, requests)
	}
}

// TestIdleConnectionsToARestartedUpstreamAreDropped fills the pool with
// several kept-alive connections, closes them all on the upstream's side
// (as a crash and restart of the upstream does), then sends POSTs, which
// are never sent twice: at most the first may meet a dead connection;
// every one after it gets a new connection and the answer.
func TestIdleConnectionsToARestartedUpstreamAreDropped(t *testing.T) {
	t.Parallel()
	eachTransport(t, testIdleDropped)
}

func testIdleDropped(t *testing.T, cfg config.Config) {
	const parallel = 4
	var arrived atomic.Int32
	all := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && arrived.Add(1) == parallel {
			close(all)
		}
		if r.Method == http.MethodGet {
			select { // hold each GET until all are in: one connection each
			case <-all:
			case <-r.Context().Done():
			}
		}
		_, _ = w.Write([]byte(`{"items":[]}`))
	}))
	t.Cleanup(srv.Close)
	cfg.OrderURL = srv.URL
	h := newHarness(t, cfg, nil)
	alice := bearer(h.token(t, "alice"))
	done := make(chan int, parallel)
	for range parallel {
		go func() {
			resp, _ := h.do(t, "GET", "/api/v1/orders", "", alice)
			done <- resp.StatusCode
		}()
	}
	for range parallel {
		if status := <-done; status != http.StatusOK {
			t.Fatalf("GET status %d", status)
		}
	}
	srv.CloseClientConnections()
	failed := 0
	for i := range parallel {
		resp, _ := h.do(t, "POST", "/api/v1/orders", `{"items":[]}`, alice)
		if resp.StatusCode != http.StatusOK {
			failed++
			t.Logf("POST %d: status %d", i, resp.StatusCode)
		}
	}
	if failed > 1 {
		t.Errorf("%d of %d POSTs failed after the upstream closed its connections, want at most the first", failed, parallel)
	}
}
