package evhttp_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/eventshop/eventshop/gateway/internal/evhttp"
)

// serve starts s with h on a free loopback port and returns its address.
func serve(t *testing.T, s *evhttp.Server, h evhttp.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s.Handler = h
	s.Loops = 2
	errc := make(chan error, 1)
	go func() { errc <- s.ListenAndServe(addr) }()
	select {
	case <-s.Started():
	case err := <-errc:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return addr
}

// echoPath answers every request at once with its path and body.
func echoPath(ex *evhttp.Exchange) {
	ex.Response().SetBodyString(string(ex.Request().URI().Path()) + ":" + string(ex.Request().Body()))
	ex.Finish()
}

type client struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &client{t: t, conn: c, br: bufio.NewReader(c)}
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatal(err)
	}
}

// read reads one answer and its body.
func (c *client) read(method string) (*http.Response, string) {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(b)
}

// closed waits for the server to close the connection.
func (c *client) closed() {
	c.t.Helper()
	b, err := c.br.ReadByte()
	if err != io.EOF {
		c.t.Fatalf("read after the last answer: %q, %v; want EOF", b, err)
	}
}

func TestAnswersKeptAliveRequests(t *testing.T) {
	c := dial(t, serve(t, &evhttp.Server{}, echoPath))
	for _, path := range []string{"/a", "/b"} {
		c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, body := c.read("GET")
		if resp.StatusCode != 200 || body != path+":" || resp.Close {
			t.Fatalf("%s: %d %q close=%v", path, resp.StatusCode, body, resp.Close)
		}
	}
}

func TestPipelinedRequestsAreServedOneAtATimeInOrder(t *testing.T) {
	var mu sync.Mutex
	var events []string
	note := func(e string) { mu.Lock(); events = append(events, e); mu.Unlock() }
	h := func(ex *evhttp.Exchange) {
		path := string(ex.Request().URI().Path())
		note("start " + path)
		go func() { // answered off the loop, the first one last if it could
			if path == "/1" {
				time.Sleep(50 * time.Millisecond) // a slow upstream, not synchronisation
			}
			ex.Response().SetBodyString(path)
			note("end " + path)
			ex.FinishAsync()
		}()
	}
	c := dial(t, serve(t, &evhttp.Server{}, h))
	c.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n")
	for _, want := range []string{"/1", "/2", "/3"} {
		if _, body := c.read("GET"); body != want {
			t.Fatalf("answer %q, want %q", body, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	want := "start /1,end /1,start /2,end /2,start /3,end /3"
	if got := strings.Join(events, ","); got != want {
		t.Fatalf("events %s, want %s", got, want)
	}
}

func TestRequestArrivingByteByByte(t *testing.T) {
	c := dial(t, serve(t, &evhttp.Server{}, echoPath))
	for _, b := range []byte("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello") {
		c.send(string(b))
	}
	if _, body := c.read("POST"); body != "/p:hello" {
		t.Fatalf("body %q", body)
	}
}

func TestChunkedBodyIsDecoded(t *testing.T) {
	c := dial(t, serve(t, &evhttp.Server{}, echoPath))
	c.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n")
	c.send("2\r\nlo\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := c.read("POST"); body != "/c:hello" {
		t.Fatalf("chunked body %q", body)
	}
	if _, body := c.read("GET"); body != "/next:" {
		t.Fatalf("request after the chunked one: %q", body)
	}
}

func TestExpectContinueIsAnswered(t *testing.T) {
	c := dial(t, serve(t, &evhttp.Server{}, echoPath))
	c.send("PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
	line, err := c.br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("interim answer %q, %v", line, err)
	}
	if blank, _ := c.br.ReadString('\n'); blank != "\r\n" {
		t.Fatalf("after 100 Continue: %q", blank)
	}
	c.send("ok")
	if _, body := c.read("PUT"); body != "/e:ok" {
		t.Fatalf("body %q", body)
	}
}

func TestRefusedRequestsCloseTheConnection(t *testing.T) {
	s := &evhttp.Server{MaxHeaderBytes: 1024, MaxBodyBytes: 10}
	addr := serve(t, s, echoPath)
	for name, c := range map[string]struct {
		req    string
		status int
	}{
		"malformed":      {"GET\r\n\r\n", 400},
		"head too large": {"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2048) + "\r\n\r\n", 431},
		"endless head":   {"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2048), 431},
		"body too large": {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", 413},
		"chunks too large": {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"b\r\nhello world\r\n0\r\n\r\n", 413},
	} {
		t.Run(name, func(t *testing.T) {
			cl := dial(t, addr)
			cl.send(c.req)
			resp, _ := cl.read("GET")
			if resp.StatusCode != c.status || !resp.Close {
				t.Fatalf("status %d close=%v, want %d and close", resp.StatusCode, resp.Close, c.status)
			}
			cl.closed()
		})
	}
}

func TestConnectionCloseIsHonoured(t *testing.T) {
	c := dial(t, serve(t, &evhttp.Server{}, echoPath))
	c.send("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if resp, body := c.read("GET"); !resp.Close || body != "/x:" {
		t.Fatalf("close=%v body %q", resp.Close, body)
	}
	c.closed()
}

func TestHTTP10WithoutKeepAliveIsClosed(t *testing.T) {
	c := dial(t, serve(t, &evhttp.Server{}, echoPath))
	c.send("GET /old HTTP/1.0\r\n\r\n")
	if _, body := c.read("GET"); body != "/old:" {
		t.Fatalf("body %q", body)
	}
	c.closed()
}

func TestHeadAnswerHasNoBody(t *testing.T) {
	c := dial(t, serve(t, &evhttp.Server{}, echoPath))
	c.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /g HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := c.read("HEAD"); resp.StatusCode != 200 || body != "" {
		t.Fatalf("HEAD: %d %q", resp.StatusCode, body)
	}
	if _, body := c.read("GET"); body != "/g:" {
		t.Fatalf("GET after HEAD: %q", body)
	}
}

func TestClientGoneMidExchange(t *testing.T) {
	gone := make(chan struct{})
	h := func(ex *evhttp.Exchange) {
		ex.OnGone(func() {
			close(gone)
			ex.Finish() // finished all the same; the answer goes nowhere
		})
	}
	c := dial(t, serve(t, &evhttp.Server{}, h))
	c.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	c.conn.Close()
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("OnGone did not run after the client closed")
	}
}

func TestIdleConnectionIsClosed(t *testing.T) {
	c := dial(t, serve(t, &evhttp.Server{IdleTimeout: 300 * time.Millisecond}, echoPath))
	c.send("GET /once HTTP/1.1\r\nHost: x\r\n\r\n")
	c.read("GET")
	c.closed() // within the client's 10 s deadline
}

func TestSlowRequestIsClosed(t *testing.T) {
	c := dial(t, serve(t, &evhttp.Server{ReadTimeout: 300 * time.Millisecond}, echoPath))
	c.send("GET /slow HTTP/1.1\r\nHost: x\r\n")
	c.closed()
}

func TestRejectFillsRefusals(t *testing.T) {
	s := &evhttp.Server{MaxBodyBytes: 1, Reject: func(status int, resp *fasthttp.Response) {
		resp.Header.SetContentType("application/problem+json")
		resp.SetBodyString(`{"status":` + fasthttp.StatusMessage(status) + `}`)
	}}
	c := dial(t, serve(t, s, echoPath))
	c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab")
	resp, body := c.read("POST")
	if resp.StatusCode != 413 || resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(body, "Too Large") {
		t.Fatalf("%d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestShutdownLetsTheRequestInFlightFinish(t *testing.T) {
	arrived, release := make(chan *evhttp.Exchange, 1), make(chan struct{})
	h := func(ex *evhttp.Exchange) {
		if string(ex.Request().URI().Path()) != "/slow" {
			echoPath(ex)
			return
		}
		arrived <- ex
		go func() {
			<-release
			ex.Response().SetBodyString("done")
			ex.FinishAsync()
		}()
	}
	s := &evhttp.Server{}
	addr := serve(t, s, h)
	slow := dial(t, addr)
	slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	<-arrived
	if n := s.InFlight(); n != 1 {
		t.Fatalf("in flight: %d, want 1", n)
	}
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopped <- s.Shutdown(ctx)
	}()
	// New connections are refused once shutdown begins.
	eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return true
		}
		c.Close()
		return false
	}, "new connections still accepted after shutdown began")
	close(release)
	if _, body := slow.read("GET"); body != "done" {
		t.Fatalf("request in flight got %q", body)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

// eventually polls cond every millisecond until it holds or 10 s
// have passed.
func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestAnswerLargerThanTheSocketBuffer checks that an answer the socket
// cannot take at once (queued, then sent as the client reads) arrives whole
// and in order, and that the connection then serves the next request.
func TestAnswerLargerThanTheSocketBuffer(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 1<<18) // 4 MiB
	h := func(ex *evhttp.Exchange) {
		if string(ex.Request().URI().Path()) == "/big" {
			ex.Response().SetBodyString(big)
		} else {
			ex.Response().SetBodyString("small")
		}
		ex.Finish()
	}
	c := dial(t, serve(t, &evhttp.Server{}, h))
	c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /small HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := c.read("GET"); body != big {
		t.Fatalf("large answer: %d bytes, want %d", len(body), len(big))
	}
	if _, body := c.read("GET"); body != "small" {
		t.Fatalf("next answer %q", body)
	}
}
