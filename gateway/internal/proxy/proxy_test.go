package proxy_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/valyala/fasthttp"

	"github.com/eventshop/eventshop/gateway/internal/proxy"
)

// echoServer answers with the request's method, body and selected headers,
// and counts the connections it accepted.
func echoServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen-Method", r.Method)
		w.Header().Set("X-Seen-Uri", r.RequestURI)
		w.Header().Set("X-Seen-Content-Length", r.Header.Get("Content-Length"))
		for _, k := range []string{"X-Secret", "X-User-Id", "X-Forwarded-For", "X-Forwarded-Host", "X-Request-Id", "Keep-Alive", "Authorization", "Cookie"} {
			if v := r.Header.Values(k); len(v) > 0 {
				w.Header().Set("X-Seen-"+k, strings.Join(v, " | "))
			}
		}
		w.Header().Set("Keep-Alive", "timeout=5")
		_, _ = w.Write(b)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func setup(t *testing.T, base string) (*proxy.Proxy, *proxy.Upstream) {
	t.Helper()
	p := proxy.New()
	t.Cleanup(p.Close)
	up, err := p.NewUpstream("svc", base)
	if err != nil {
		t.Fatal(err)
	}
	return p, up
}

// parse reads a request as the gateway's server does, from its wire form.
func parse(t *testing.T, head string) *fasthttp.Request {
	t.Helper()
	var req fasthttp.Request
	if err := req.Read(bufio.NewReader(strings.NewReader(strings.ReplaceAll(head, "\n", "\r\n") + "\r\n"))); err != nil {
		t.Fatal(err)
	}
	return &req
}

// send runs one request through the proxy and returns the response.
func send(t *testing.T, p *proxy.Proxy, up *proxy.Upstream, req *fasthttp.Request, body string, c *proxy.Cancel) (*fasthttp.Response, error) {
	t.Helper()
	var resp fasthttp.Response
	out := proxy.Outgoing{RequestID: "rid-1", Traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", ClientIP: "192.0.2.1", Body: []byte(body)}
	if err := p.Do(req, &resp, up, 2*time.Second, &out, c); err != nil {
		return nil, err
	}
	return &resp, nil
}

func TestReusesConnectionsAndSurvivesStaleOnes(t *testing.T) {
	srv, conns := echoServer(t)
	p, up := setup(t, srv.URL)
	for i := range 5 {
		if _, err := send(t, p, up, parse(t, "GET /a?x=1 HTTP/1.1\nHost: gw\n"), "", nil); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 5 sequential requests, want 1", n)
	}
	srv.CloseClientConnections() // the pooled connection is now dead
	if _, err := send(t, p, up, parse(t, "GET /a HTTP/1.1\nHost: gw\n"), "", nil); err != nil {
		t.Fatalf("GET on a stale connection: %v", err)
	}
	srv.CloseClientConnections()
	resp, err := send(t, p, up, parse(t, "POST /orders HTTP/1.1\nHost: gw\nContent-Length: 7\n\n{\"a\":1}"), `{"a":1}`, nil)
	if err != nil || string(resp.Body()) != `{"a":1}` {
		t.Fatalf("POST on a stale connection: %v", err)
	}
}

func TestForwardsTheRightHeaders(t *testing.T) {
	srv, _ := echoServer(t)
	p, up := setup(t, srv.URL)
	req := parse(t, "PUT /x/y?q=1 HTTP/1.1\nHost: shop.example\nConnection: X-Secret\nX-Secret: s\nKeep-Alive: timeout=5\n"+
		"X-User-Id: admin\nX-Forwarded-For: 198.51.100.7\nX-Forwarded-For: 198.51.100.8\nX-Forwarded-Host: evil\nX-Request-Id: forged\n"+
		"Authorization: Bearer t\nCookie: a=1;b\nTransfer-Encoding: chunked\n\n4\nbody\n0\n")
	resp, err := send(t, p, up, req, "body", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{"body": string(resp.Body()), "Keep-Alive": string(resp.Header.Peek("Keep-Alive"))}
	for k, v := range resp.Header.All() {
		if strings.HasPrefix(string(k), "X-Seen-") {
			got[string(k)] = string(v)
		}
	}
	want := map[string]string{
		"body": "body", "Keep-Alive": "", "X-Seen-Method": "PUT", "X-Seen-Uri": "/x/y?q=1", "X-Seen-Authorization": "Bearer t",
		"X-Seen-X-Forwarded-For": "198.51.100.7, 198.51.100.8, 192.0.2.1", "X-Seen-X-Request-Id": "rid-1",
		"X-Seen-X-Forwarded-Host": "shop.example", "X-Seen-Cookie": "a=1;b", "X-Seen-Content-Length": "4",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("upstream saw (-want +got):\n%s", diff)
	}
}

func TestUpstreamConnectionCloseStaysUpstream(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = io.WriteString(w, "bye")
	}))
	t.Cleanup(srv.Close)
	p, up := setup(t, srv.URL)
	for range 2 {
		resp, err := send(t, p, up, parse(t, "GET / HTTP/1.1\nHost: gw\n"), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.ConnectionClose() || string(resp.Body()) != "bye" {
			t.Fatalf("response closes the client connection (%v) or lost its body %q", resp.ConnectionClose(), resp.Body())
		}
	}
}

func TestErrorsAreClassified(t *testing.T) {
	block, entered := make(chan struct{}), make(chan struct{}, 10)
	slow := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		entered <- struct{}{}
		<-block
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(block) }) // runs first: Close waits for the handlers
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()

	p, slowUp := setup(t, slow.URL)
	_, deadUp := setup(t, dead.URL)
	var resp fasthttp.Response
	get := func() *fasthttp.Request { return parse(t, "GET / HTTP/1.1\nHost: gw\n") }
	if err := p.Do(get(), &resp, slowUp, 50*time.Millisecond, &proxy.Outgoing{}, nil); !errors.Is(err, proxy.ErrTimeout) {
		t.Errorf("slow upstream: %v, want ErrTimeout", err)
	}
	if err := p.Do(get(), &resp, deadUp, time.Second, &proxy.Outgoing{}, nil); !errors.Is(err, proxy.ErrUnreachable) {
		t.Errorf("closed upstream: %v, want ErrUnreachable", err)
	}
	// A client that leaves, before or during the exchange, ends it at once:
	// with an hour's timeout, a lost cancellation would hang the test.
	for _, early := range []bool{true, false} {
		var c proxy.Cancel
		if early {
			c.Cancel()
		} else {
			go func() { <-entered; c.Cancel() }()
		}
		err := p.Do(get(), &resp, slowUp, time.Hour, &proxy.Outgoing{}, &c)
		if !errors.Is(err, proxy.ErrClientGone) || !errors.Is(err, context.Canceled) {
			t.Errorf("client cancelled (early %v): %v, want ErrClientGone wrapping context.Canceled", early, err)
		}
	}
}
