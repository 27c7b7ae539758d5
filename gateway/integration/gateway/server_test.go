package gateway_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eventshop/eventshop/gateway/internal/gateway"
	"github.com/eventshop/eventshop/testkit"
)

// TestChunkedBodies checks that a body sent without a length reaches the
// upstream whole, and that one over the limit is refused before it does.
func TestChunkedBodies(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.BodyLimit = 1024
	h := newHarness(t, cfg, nil)
	alice := "Bearer " + h.token(t, "alice")
	post := func(body string) *http.Response {
		// A reader of unknown length makes the client send the body chunked.
		req, _ := http.NewRequest("POST", h.url+"/api/v1/orders", io.MultiReader(strings.NewReader(body)))
		req.Header.Set("Authorization", alice)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := post(`{"items":[]}`); resp.StatusCode != http.StatusOK {
		t.Fatalf("chunked body: status %d", resp.StatusCode)
	}
	if got := h.up["order"].lastBody(); got != `{"items":[]}` {
		t.Errorf("upstream got body %q", got)
	}
	if resp := post(strings.Repeat("x", 1025)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized chunked body: status %d, want 413", resp.StatusCode)
	}
	if n := h.up["order"].count(); n != 1 {
		t.Errorf("upstream saw %d requests, want 1", n)
	}
}

// TestRefusalOrder checks that authentication answers before the body
// limit, as it did before: an anonymous oversized request is a 401.
func TestRefusalOrder(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.BodyLimit = 16
	h := newHarness(t, cfg, nil)
	if resp, _ := h.do(t, "POST", "/api/v1/orders", strings.Repeat("x", 100)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous oversized request: status %d, want 401", resp.StatusCode)
	}
}

func TestHeaderLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig(), nil)
	resp, body := h.do(t, "GET", "/api/v1/products", "", "X-Big: "+strings.Repeat("x", 20<<10))
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("oversized head: %d %s, want 431", resp.StatusCode, body)
	}
	if resp, _ := h.do(t, "GET", "/api/v1/products", "", "X-Big: "+strings.Repeat("x", 8<<10)); resp.StatusCode != http.StatusOK {
		t.Errorf("8 KiB header: status %d, want 200", resp.StatusCode)
	}
}

// TestSlowClientIsCutOff checks that a client trickling its request head
// (slowloris) loses its connection after the read timeout.
func TestSlowClientIsCutOff(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.OrderURL, cfg.InventoryURL, cfg.PaymentURL, cfg.NotificationURL = "http://o", "http://i", "http://p", "http://n"
	cfg.Limits.ReadHeaderTimeout = 300 * time.Millisecond
	g, err := gateway.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	url := serve(t, g)
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: gw\r\n")
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	_, _ = io.ReadAll(conn) // the server answers 408 or just closes
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("connection held for %v", d)
	}
}

// TestGracefulShutdown checks that Run stops serving new connections when
// its context ends (they are closed at once) and lets the request in
// flight finish.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	up := newUpstream(t, "order")
	cfg.OrderURL, cfg.InventoryURL, cfg.PaymentURL, cfg.NotificationURL = up.srv.URL, up.srv.URL, up.srv.URL, up.srv.URL
	release := make(chan struct{})
	up.block = release
	g, err := gateway.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	addr := testkit.FreeAddr(t)
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- g.Run(ctx, addr) }()
	// served reports whether a new connection gets an answer.
	served := func() bool {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return false
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n")
		b := make([]byte, 12)
		n, _ := io.ReadFull(c, b)
		return n > 0
	}
	eventually(t, served, "gateway not serving")

	got := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/api/v1/products")
		if err != nil {
			got <- -1
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	<-up.entered
	stop()
	eventually(t, func() bool { return !served() }, "still serving new connections after shutdown began")
	close(release)
	if status := <-got; status != http.StatusOK {
		t.Errorf("request in flight: status %d, want 200", status)
	}
	select {
	case err := <-ran:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("Run did not return")
	}
}
