package proxy_test

import (
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
		for _, k := range []string{"X-Secret", "X-User-Id", "X-Forwarded-For", "X-Request-Id", "Keep-Alive", "Authorization"} {
			if v := r.Header.Get(k); v != "" {
				w.Header().Set("X-Seen-"+k, v)
			}
		}
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

// send runs one request through the proxy and returns the response and body.
func send(t *testing.T, ctx context.Context, p *proxy.Proxy, up *proxy.Upstream, r *http.Request) (*http.Response, string, error) {
	t.Helper()
	resp, err := p.Do(ctx, r, up, 2*time.Second, "rid-1", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b), nil
}

func TestReusesConnectionsAndSurvivesStaleOnes(t *testing.T) {
	srv, conns := echoServer(t)
	p, up := setup(t, srv.URL)
	for i := range 5 {
		if _, _, err := send(t, context.Background(), p, up, httptest.NewRequest("GET", "/a?x=1", nil)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 5 sequential requests, want 1", n)
	}
	srv.CloseClientConnections() // the pooled connection is now dead
	if _, _, err := send(t, context.Background(), p, up, httptest.NewRequest("GET", "/a", nil)); err != nil {
		t.Fatalf("GET on a stale connection: %v", err)
	}
	srv.CloseClientConnections()
	_, body, err := send(t, context.Background(), p, up, httptest.NewRequest("POST", "/orders", strings.NewReader(`{"a":1}`)))
	if err != nil || body != `{"a":1}` {
		t.Fatalf("POST on a stale connection: %q, %v", body, err)
	}
}

func TestForwardsTheRightHeaders(t *testing.T) {
	srv, _ := echoServer(t)
	p, up := setup(t, srv.URL)
	r := httptest.NewRequest("PUT", "/x/y?q=1", strings.NewReader("body"))
	r.Header.Set("Connection", "X-Secret")
	r.Header.Set("X-Secret", "s")
	r.Header.Set("Keep-Alive", "timeout=5")
	r.Header.Set("X-User-Id", "admin")
	r.Header.Set("X-Forwarded-For", "198.51.100.7")
	r.Header.Set("X-Request-Id", "forged")
	r.Header.Set("Authorization", "Bearer t")
	resp, body, err := send(t, context.Background(), p, up, r)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{"body": body}
	for k, v := range resp.Header {
		if strings.HasPrefix(k, "X-Seen-") {
			got[k] = v[0]
		}
	}
	want := map[string]string{
		"body": "body", "X-Seen-Method": "PUT", "X-Seen-Uri": "/x/y?q=1", "X-Seen-Authorization": "Bearer t",
		"X-Seen-X-Forwarded-For": "198.51.100.7, 192.0.2.1", "X-Seen-X-Request-Id": "rid-1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("upstream saw (-want +got):\n%s", diff)
	}
}

func TestChunkedBodyUsesTheStandardTransport(t *testing.T) {
	srv, _ := echoServer(t)
	p, up := setup(t, srv.URL)
	r := httptest.NewRequest("POST", "/c", io.NopCloser(strings.NewReader("streamed")))
	r.ContentLength = -1
	_, body, err := send(t, context.Background(), p, up, r)
	if err != nil || body != "streamed" {
		t.Fatalf("chunked body: %q, %v", body, err)
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
	if _, err := p.Do(context.Background(), httptest.NewRequest("GET", "/", nil), slowUp, 50*time.Millisecond, "r", "t"); !errors.Is(err, proxy.ErrTimeout) {
		t.Errorf("slow upstream: %v, want ErrTimeout", err)
	}
	if _, err := p.Do(context.Background(), httptest.NewRequest("GET", "/", nil), deadUp, time.Second, "r", "t"); !errors.Is(err, proxy.ErrUnreachable) {
		t.Errorf("closed upstream: %v, want ErrUnreachable", err)
	}
	// A client that leaves, before or during the exchange, ends it at once:
	// with an hour's timeout, a lost cancellation would hang the test.
	for _, early := range []bool{true, false} {
		ctx, cancel := context.WithCancel(context.Background())
		if early {
			cancel()
		} else {
			go func() { <-entered; cancel() }()
		}
		r := httptest.NewRequest("GET", "/", nil).WithContext(ctx)
		_, err := p.Do(ctx, r, slowUp, time.Hour, "r", "t")
		if !errors.Is(err, proxy.ErrClientGone) || !errors.Is(err, context.Canceled) {
			t.Errorf("client cancelled (early %v): %v, want ErrClientGone wrapping context.Canceled", early, err)
		}
		cancel()
	}
}
