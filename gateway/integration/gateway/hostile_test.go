//go:build linux

package gateway_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventshop/eventshop/testkit"
)

// memoryBound is how far the gateway's resident memory may rise under one
// hostile client.
const memoryBound = 50 << 20

// TestHostileClients sends the clients that once exhausted the gateway to
// the real binary, and checks that each costs it a bounded amount: memory,
// descriptors held, CPU, time.
func TestHostileClients(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the gateway binary for about a minute")
	}
	bin := buildGateway(t)
	big := strings.Repeat("x", 1<<20)
	up := newUpstream(t, "any")
	up.body = func(r *http.Request) string {
		if r.URL.Path == "/api/v1/admin/payments" {
			return big
		}
		return `{"path":"` + r.URL.Path + `"}`
	}
	admin := "Authorization: Bearer " + newIssuerToken(t, "admin")

	t.Run("pipelining without reading the answers", func(t *testing.T) {
		p := startGateway(t, bin, up, 0)
		for _, target := range []string{"/metrics", "/api/v1/admin/payments"} {
			conn := dial(t, p.addr)
			msg := []byte("GET " + target + " HTTP/1.1\r\nHost: gw\r\n" + admin + "\r\n\r\n")
			grew := p.growth(t, 10*time.Second, func(until time.Time) { flood(conn, msg, until) })
			t.Logf("%s: grew by %.1f MiB", target, float64(grew)/(1<<20))
			if grew > memoryBound {
				t.Errorf("%s: the gateway grew by %d MiB in 10 s", target, grew>>20)
			}
			if !p.healthy() {
				t.Errorf("%s: another client was not served", target)
			}
		}
	})

	t.Run("a byte flood behind a slow request", func(t *testing.T) {
		p := startGateway(t, bin, up, 0)
		release := make(chan struct{})
		up.mu.Lock()
		up.block = release
		up.mu.Unlock()
		defer func() {
			up.mu.Lock()
			up.block = nil
			up.mu.Unlock()
			close(release)
		}()
		conn := dial(t, p.addr)
		head := []byte("GET /api/v1/admin/payments HTTP/1.1\r\nHost: gw\r\n" + admin + "\r\n\r\n")
		junk := bytes.Repeat([]byte("x"), 64<<10)
		grew := p.growth(t, 5*time.Second, func(until time.Time) {
			_, _ = conn.Write(head)
			flood(conn, junk, until)
		})
		t.Logf("grew by %.1f MiB", float64(grew)/(1<<20))
		if grew > memoryBound {
			t.Errorf("the gateway grew by %d MiB", grew>>20)
		}
	})

	t.Run("a body of one-byte chunks", func(t *testing.T) {
		p := startGateway(t, bin, up, 0, "GATEWAY_BODY_LIMIT=1048576")
		const n = 1 << 20
		var req bytes.Buffer
		fmt.Fprintf(&req, "POST /api/v1/admin/products/SKU-1/restock HTTP/1.1\r\nHost: gw\r\n%s\r\nTransfer-Encoding: chunked\r\n\r\n", admin)
		req.WriteString(strings.Repeat("1\r\ny\r\n", n))
		req.WriteString("0\r\n\r\n")
		conn := dial(t, p.addr)
		go func() { _, _ = conn.Write(req.Bytes()) }()
		_ = conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer to a body of %d one-byte chunks: %v", n, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(up.lastBody()) != n {
			t.Errorf("status %d, upstream got %d bytes; want 200 and %d", resp.StatusCode, len(up.lastBody()), n)
		}
	})

	t.Run("silent connections are closed at the header timeout", func(t *testing.T) {
		p := startGateway(t, bin, up, 0)
		conns := make([]net.Conn, 200)
		for i := range conns {
			conns[i] = dial(t, p.addr)
		}
		var wg sync.WaitGroup
		held := make(chan int, len(conns))
		for i, c := range conns {
			wg.Go(func() {
				if !closedWithin(c, 11*time.Second) {
					held <- i
				}
			})
		}
		wg.Wait()
		close(held)
		if n := len(held); n > 0 {
			t.Errorf("%d of %d silent connections still open 10 s after a 1 s header timeout", n, len(conns))
		}
	})

	t.Run("slowloris", func(t *testing.T) {
		p := startGateway(t, bin, up, 0)
		conn := dial(t, p.addr)
		start := time.Now()
		_, _ = io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: gw\r\nX-Slow: ")
		for time.Since(start) < 15*time.Second {
			_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
			if _, err := conn.Write([]byte("a")); err != nil {
				break
			}
			if closedWithin(conn, 100*time.Millisecond) {
				break
			}
		}
		if d := time.Since(start); d > 6*time.Second {
			t.Errorf("a trickling head held its connection for %v with a 1 s header timeout", d.Round(time.Second))
		}
	})

	t.Run("descriptor exhaustion", func(t *testing.T) {
		p := startGateway(t, bin, up, 64)
		stop := time.Now().Add(4 * time.Second)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		before := p.cpu(t)
		for time.Now().Before(stop) && len(conns) < 500 {
			c, err := net.DialTimeout("tcp", p.addr, time.Second)
			if err == nil {
				conns = append(conns, c)
			}
		}
		time.Sleep(time.Until(stop)) // the window the CPU is measured over
		used := p.cpu(t) - before
		t.Logf("%d connections, %v of CPU in 4 s", len(conns), used)
		if used > 2*time.Second {
			t.Errorf("the gateway used %v of CPU in 4 s with its descriptors exhausted: a busy loop", used)
		}
		for _, c := range conns {
			c.Close()
		}
		conns = nil
		testkit.Eventually(t, 30*time.Second, p.healthy, "the gateway did not serve again once the connections were gone")
	})
}
