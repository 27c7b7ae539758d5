package gateway_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/eventshop/eventshop/gateway/internal/config"
)

// rawUpstream is an upstream that writes whatever answer(n) returns, byte
// for byte, to the n-th request it reads (counting from 1), and counts the
// requests it reads. An empty answer closes the connection unanswered.
func rawUpstream(t *testing.T, answer func(n int64, r *http.Request) string) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var seen atomic.Int64
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveRaw(conn, &seen, answer)
		}
	}()
	return "http://" + ln.Addr().String(), &seen
}

func serveRaw(conn net.Conn, seen *atomic.Int64, answer func(int64, *http.Request) string) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	for {
		r, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		text := answer(seen.Add(1), r)
		if text == "" {
			return
		}
		if _, err := io.WriteString(conn, text); err != nil {
			return
		}
	}
}

// TestMisbehavingUpstreamsGetACleanBadGateway checks that what an upstream
// must not send never reaches the client: a protocol switch nobody asked
// for, bad framing, a head of a megabyte, and the headers its Connection
// header names.
func TestMisbehavingUpstreamsGetACleanBadGateway(t *testing.T) {
	t.Parallel()
	eachTransport(t, testMisbehavingUpstreams)
}

func testMisbehavingUpstreams(t *testing.T, cfg config.Config) {
	answers := map[string]string{
		"/api/v1/orders/switch":   "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: evil\r\n\r\n",
		"/api/v1/orders/switch2":  "HTTP/1.1 101 Switching Protocols\r\n\r\n",
		"/api/v1/orders/framing":  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello!!",
		"/api/v1/orders/garbage":  "HTTP/1.1 2OO OK\r\n\r\n",
		"/api/v1/orders/te-cl":    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n",
		"/api/v1/orders/huge":     "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 1<<20) + "\r\nContent-Length: 2\r\n\r\nok",
		"/api/v1/orders/conn-ka":  "HTTP/1.1 200 OK\r\nConnection: X-Secret\r\nX-Secret: hunter2\r\nContent-Length: 2\r\n\r\nok",
		"/api/v1/orders/conn-hdr": "HTTP/1.1 200 OK\r\nConnection: X-Secret, close\r\nX-Secret: hunter2\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok",
	}
	url, _ := rawUpstream(t, func(_ int64, r *http.Request) string { return answers[r.URL.Path] })
	cfg.OrderURL = url
	cfg.BreakerFailures = 1000
	h := newHarness(t, cfg, nil)
	alice := bearer(h.token(t, "alice"))
	for _, path := range []string{"/api/v1/orders/switch", "/api/v1/orders/switch2", "/api/v1/orders/framing", "/api/v1/orders/garbage", "/api/v1/orders/te-cl", "/api/v1/orders/huge"} {
		resp, body := h.do(t, "GET", path, "", alice)
		if resp.StatusCode != http.StatusBadGateway || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s %q, want a 502 problem", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	for _, path := range []string{"/api/v1/orders/conn-ka", "/api/v1/orders/conn-hdr"} {
		resp, body := h.do(t, "GET", path, "", alice)
		if resp.StatusCode != http.StatusOK || body != "ok" {
			t.Fatalf("%s: %d %q", path, resp.StatusCode, body)
		}
		for _, k := range []string{"X-Secret", "Keep-Alive"} {
			if v := resp.Header.Get(k); v != "" {
				t.Errorf("%s: client got %s: %s", path, k, v)
			}
		}
	}
}

// TestClientConnectionHeadersStayHere checks the request direction: the
// headers a client's Connection header names, and an Upgrade on a route
// that declares none, do not reach the upstream.
func TestClientConnectionHeadersStayHere(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig(), nil)
	resp := h.raw(t, "GET /api/v1/orders HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer "+h.token(t, "alice")+
		"\r\nConnection: Upgrade, X-Secret\r\nUpgrade: websocket\r\nX-Secret: hunter2\r\n\r\n")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := h.up["order"].last()
	for _, k := range []string{"X-Secret", "Upgrade", "Connection"} {
		if v := got.Header.Get(k); v != "" {
			t.Errorf("upstream got %s: %s", k, v)
		}
	}
}

// TestNonIdempotentRequestsAreNeverReplayed checks that a POST whose
// reused upstream connection closes after the upstream read it is answered
// 502, not sent again, even with an Idempotency-Key (which the Transport
// would take as leave to replay a bodiless request).
func TestNonIdempotentRequestsAreNeverReplayed(t *testing.T) {
	t.Parallel()
	eachTransport(t, testNeverReplayed)
}

func testNeverReplayed(t *testing.T, cfg config.Config) {
	url, seen := rawUpstream(t, func(n int64, r *http.Request) string {
		if r.Method == http.MethodPost {
			return "" // read, then closed unanswered
		}
		return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	})
	cfg.OrderURL = url
	h := newHarness(t, cfg, nil)
	alice := bearer(h.token(t, "alice"))
	if resp, _ := h.do(t, "GET", "/api/v1/orders", "", alice); resp.StatusCode != http.StatusOK {
		t.Fatalf("warm-up: status %d", resp.StatusCode)
	}
	for _, body := range []string{"", `{"items":[]}`} {
		before := seen.Load()
		resp, _ := h.do(t, "POST", "/api/v1/orders/o1/cancel", body, alice, "Idempotency-Key: k-"+body)
		if resp.StatusCode != http.StatusBadGateway {
			t.Errorf("body %q: status %d, want 502", body, resp.StatusCode)
		}
		if n := seen.Load() - before; n != 1 {
			t.Errorf("body %q: upstream read the POST %d times, want 1", body, n)
		}
	}
}
