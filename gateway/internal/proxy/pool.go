package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"sync"
	"time"
)

// longAgo is a deadline in the past: pending I/O on the connection fails at once.
var longAgo = time.Unix(1, 0)

// Pool is the gateway's own pool of keep-alive HTTP/1.1 connections to
// plain-HTTP upstreams, an http.RoundTripper behind ReverseProxy. It
// writes a request with (*http.Request).Write and reads the answer with
// http.ReadResponse on the goroutine that asked: http.Transport hands every
// exchange between a writing and a reading goroutine of the connection,
// which was the largest cost of a proxied request. Its framing is the
// standard library's. Requests to https upstreams and protocol upgrades go
// to the Transport it is built on, whose dialer and idle limits it shares.
type Pool struct {
	fallback *http.Transport
	mu       sync.Mutex
	idle     map[string][]*poolConn // by host:port, most recently used last
}

// poolConn is one upstream connection with its buffers. The reader reads
// through unread, which bounds an answer's head.
type poolConn struct {
	conn   net.Conn
	unread *io.LimitedReader
	br     *bufio.Reader
	bw     *bufio.Writer
	idleAt time.Time
}

// NewPool returns an empty pool that dials with fallback's DialContext,
// keeps at most its MaxIdleConnsPerHost idle connections per upstream for
// at most its IdleConnTimeout, and sends what it does not handle to it.
func NewPool(fallback *http.Transport) *Pool {
	return &Pool{fallback: fallback, idle: map[string][]*poolConn{}}
}

// RoundTrip sends req on a pooled connection and returns the answer's
// head; the connection returns to the pool when the body has been read to
// its end. A bodiless GET, HEAD or OPTIONS that fails on a reused
// connection (the upstream may have closed it just then) is sent once more
// on a new one; no other request is ever sent twice. The request's context
// ending aborts the exchange.
func (p *Pool) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" || req.Header.Get("Upgrade") != "" {
		return p.fallback.RoundTrip(req)
	}
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		pc, reused, err := p.get(ctx, req.URL.Host, attempt > 0)
		if err != nil {
			return nil, err
		}
		stop := context.AfterFunc(ctx, func() { _ = pc.conn.SetDeadline(longAgo) })
		res, err := exchange(pc, req, int64(p.fallback.MaxResponseHeaderBytes))
		if err == nil {
			b := &pooledBody{ReadCloser: res.Body, pool: p, host: req.URL.Host, pc: pc, keep: !res.Close, stop: stop}
			if res.Body == http.NoBody {
				b.release(b.keep)
			} else {
				res.Body = b
			}
			return res, nil
		}
		stop()
		_ = pc.conn.Close()
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		if reused {
			// A kept-alive connection failed: the upstream most likely
			// died or restarted, and the other idle ones are as dead.
			// Left in the pool, each would fail a request that cannot be
			// sent again (a POST) and count against the breaker.
			p.Forget(req.URL.Host)
		}
		if !reused || attempt > 0 || !Replayable(req) {
			return nil, err
		}
	}
}

// exchange writes req and reads the answer's head, past any interim 1xx
// answer but a 101. A head longer than maxHead bytes is an error, as the
// Transport's MaxResponseHeaderBytes makes it.
func exchange(pc *poolConn, req *http.Request, maxHead int64) (*http.Response, error) {
	if err := req.Write(pc.bw); err != nil {
		return nil, err
	}
	if err := pc.bw.Flush(); err != nil {
		return nil, err
	}
	defer func() { pc.unread.N = math.MaxInt64 }() // the body is not bounded here
	for {
		pc.unread.N = maxHead
		res, err := http.ReadResponse(pc.br, req)
		if err != nil || res.StatusCode >= 200 || res.StatusCode == http.StatusSwitchingProtocols {
			return res, err
		}
	}
}

// Replayable reports whether req may be sent again: it has no body and
// changes nothing.
func Replayable(req *http.Request) bool {
	bodiless := req.Body == nil || req.Body == http.NoBody
	return bodiless && (req.Method == http.MethodGet || req.Method == http.MethodHead || req.Method == http.MethodOptions)
}

// get returns an idle connection to host, or dials one (always, when
// fresh); reused says which.
func (p *Pool) get(ctx context.Context, host string, fresh bool) (*poolConn, bool, error) {
	now := time.Now()
	p.mu.Lock()
	for idle := p.idle[host]; len(idle) > 0 && !fresh; idle = p.idle[host] {
		pc := idle[len(idle)-1]
		p.idle[host] = idle[:len(idle)-1]
		if now.Sub(pc.idleAt) < p.fallback.IdleConnTimeout {
			p.mu.Unlock()
			return pc, true, nil
		}
		_ = pc.conn.Close()
	}
	p.mu.Unlock()
	c, err := p.fallback.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, false, err
	}
	unread := &io.LimitedReader{R: c}
	return &poolConn{conn: c, unread: unread, br: bufio.NewReaderSize(unread, 8<<10), bw: bufio.NewWriterSize(c, 8<<10)}, false, nil
}

// put keeps a connection whose exchange ended cleanly, unless the upstream
// sent more than its answer.
func (p *Pool) put(host string, pc *poolConn) {
	if pc.br.Buffered() > 0 || pc.conn.SetDeadline(time.Time{}) != nil {
		_ = pc.conn.Close()
		return
	}
	pc.idleAt = time.Now()
	p.mu.Lock()
	if len(p.idle[host]) < p.fallback.MaxIdleConnsPerHost {
		p.idle[host] = append(p.idle[host], pc)
		pc = nil
	}
	p.mu.Unlock()
	if pc != nil {
		_ = pc.conn.Close()
	}
}

// Forget closes the idle connections to host: once its server died, each
// would fail the request that took it.
func (p *Pool) Forget(host string) {
	p.mu.Lock()
	idle := p.idle[host]
	delete(p.idle, host)
	p.mu.Unlock()
	for _, pc := range idle {
		_ = pc.conn.Close()
	}
}

// CloseIdleConnections closes every idle connection, the fallback's too.
func (p *Pool) CloseIdleConnections() {
	p.mu.Lock()
	idle := p.idle
	p.idle = map[string][]*poolConn{}
	p.mu.Unlock()
	for _, conns := range idle {
		for _, pc := range conns {
			_ = pc.conn.Close()
		}
	}
	p.fallback.CloseIdleConnections()
}

// pooledBody returns the connection to the pool once the answer's body has
// been read to its end, and closes it when the reader stops early.
type pooledBody struct {
	io.ReadCloser
	pool *Pool
	host string
	pc   *poolConn
	keep bool        // the answer allows the connection to be reused
	stop func() bool // stops the context's abort; false when it already ran
}

// Read reads the body; at its end the connection goes back to the pool.
func (b *pooledBody) Read(buf []byte) (int, error) {
	n, err := b.ReadCloser.Read(buf)
	switch {
	case errors.Is(err, io.EOF):
		b.release(b.keep)
	case err != nil:
		b.release(false)
	}
	return n, err
}

// Close abandons the body: an unread rest makes the connection unusable.
func (b *pooledBody) Close() error {
	b.release(false)
	return nil
}

func (b *pooledBody) release(reuse bool) {
	if b.pc == nil {
		return
	}
	pc := b.pc
	b.pc = nil
	if b.stop() && reuse {
		b.pool.put(b.host, pc)
		return
	}
	_ = pc.conn.Close()
}
