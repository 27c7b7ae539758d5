package proxy_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eventshop/eventshop/gateway/internal/evhttp"
	"github.com/eventshop/eventshop/gateway/internal/proxy"
)

// loopServer serves on one event loop, sending every request to up with
// Send, and returns its address. The error of each failed call goes to
// errs; its client gets 502, or 504 after a timeout.
func loopServer(t *testing.T, p *proxy.Proxy, up *proxy.Upstream, timeout time.Duration) (string, chan error) {
	t.Helper()
	errs := make(chan error, 16)
	h := func(ex *evhttp.Exchange) {
		var call *proxy.Call
		ex.OnGone(func() {
			if call != nil {
				call.Cancel()
			}
		})
		out := &proxy.Outgoing{ClientIP: "127.0.0.1", Body: ex.Request().Body()}
		call = p.Send(ex.Loop(), ex.Request(), ex.Response(), up, time.Now().Add(timeout), out, func(err error) {
			if err != nil {
				errs <- err
				ex.Response().Reset()
				ex.Response().SetStatusCode(http.StatusBadGateway)
				if errors.Is(err, proxy.ErrTimeout) {
					ex.Response().SetStatusCode(http.StatusGatewayTimeout)
				}
			}
			ex.Finish()
		})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &evhttp.Server{Handler: evhttp.HandlerFunc(h), Loops: 1, Tick: p.Expire}
	go func() { _ = s.ListenAndServe(addr) }()
	<-s.Started()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	return "http://" + addr, errs
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestLoopForwardsOverReusedConnections(t *testing.T) {
	srv, conns := echoServer(t)
	p, up := setup(t, srv.URL)
	url, _ := loopServer(t, p, up, 5*time.Second)
	for i := range 20 {
		resp, err := http.Post(url+"/items?x=1", "text/plain", strings.NewReader("hello"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "hello" || resp.Header.Get("X-Seen-Uri") != "/items?x=1" {
			t.Fatalf("request %d: %d %q %v", i, resp.StatusCode, b, resp.Header)
		}
		if resp.Header.Get("Keep-Alive") != "" || resp.Header.Get("X-Seen-X-Forwarded-For") != "127.0.0.1" {
			t.Fatalf("request %d: hop-by-hop or forwarded headers wrong: %v", i, resp.Header)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("upstream accepted %d connections for 20 sequential requests, want 1", n)
	}
}

// rawUpstream answers every request on a connection with answer(path),
// then closes the connection if close is set or the answer says so.
func rawUpstream(t *testing.T, answer func(path string) string, close bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					_, _ = io.WriteString(c, answer(req.URL.Path))
					if close || strings.Contains(answer(req.URL.Path), "Connection: close") {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

func TestLoopReadsChunkedAndUnsizedAnswers(t *testing.T) {
	base := rawUpstream(t, func(path string) string {
		if path == "/chunked" {
			return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
		}
		return "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"
	}, false)
	p, up := setup(t, base)
	url, _ := loopServer(t, p, up, 5*time.Second)
	for path, want := range map[string]string{"/chunked": "abcde", "/unsized": "until the end"} {
		if resp, body := get(t, url+path); resp.StatusCode != 200 || body != want {
			t.Errorf("%s: %d %q, want %q", path, resp.StatusCode, body, want)
		}
	}
}

func TestLoopSurvivesAnUpstreamThatClosesAfterEachAnswer(t *testing.T) {
	base := rawUpstream(t, func(string) string { return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" }, true)
	p, up := setup(t, base)
	url, _ := loopServer(t, p, up, 5*time.Second)
	for i := range 5 {
		if resp, body := get(t, url+"/x"); resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, body)
		}
	}
}

// stuckUpstream accepts every request, signals arrived, and answers none
// until the test ends.
func stuckUpstream(t *testing.T) (base string, arrived chan struct{}) {
	t.Helper()
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	srv := http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-release
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		close(release)
		srv.Close()
	})
	return "http://" + ln.Addr().String(), arrived
}

func TestLoopTimesOut(t *testing.T) {
	base, _ := stuckUpstream(t)
	p, up := setup(t, base)
	url, errs := loopServer(t, p, up, 200*time.Millisecond)
	if resp, _ := get(t, url+"/slow"); resp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("status %d, want 504", resp.StatusCode)
	}
	if err := <-errs; !errors.Is(err, proxy.ErrTimeout) {
		t.Fatalf("error %v, want ErrTimeout", err)
	}
}

func TestLoopReportsAnUnreachableUpstream(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	p, up := setup(t, "http://"+addr)
	url, errs := loopServer(t, p, up, 5*time.Second)
	if resp, _ := get(t, url+"/x"); resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("status %d, want 502", resp.StatusCode)
	}
	if err := <-errs; !errors.Is(err, proxy.ErrUnreachable) {
		t.Fatalf("error %v, want ErrUnreachable", err)
	}
}

func TestLoopCancelsWhenTheClientLeaves(t *testing.T) {
	base, arrived := stuckUpstream(t)
	p, up := setup(t, base)
	url, errs := loopServer(t, p, up, time.Hour)
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	<-arrived
	c.Close()
	select {
	case err := <-errs:
		if !errors.Is(err, proxy.ErrClientGone) || !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want ErrClientGone and context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call was not cancelled after the client left")
	}
}
