package proxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/eventshop/eventshop/gateway/internal/evloop"
)

// The event-loop transport runs an exchange on the event loop of the
// client's connection, over upstream connections registered on that same
// loop: sending the request, waiting for the answer and reading it cost no
// goroutine and no hand-off between threads. Each loop keeps its own pool
// of connections per upstream, touched only by that loop's goroutine.

// maxAnswer bounds an upstream answer held in memory on the loop.
const maxAnswer = 64 << 20

// Call is an exchange in flight on a loop.
type Call struct {
	pool     *loopPool
	conn     *loopConn
	resp     *fasthttp.Response
	wire     []byte // the encoded request, kept for one retry
	hasBody  bool
	skipBody bool
	deadline time.Time
	done     func(error)
	retried  bool
	finished bool
}

// Loopable reports whether up can be reached from an event loop: plain
// HTTP only; TLS upstreams use Do.
func (up *Upstream) Loopable() bool { return up.pool.tls == nil }

// Send starts sending req to up from the event loop el, which must be the
// loop running the caller. done runs on el exactly once, possibly before
// Send returns: with nil when resp holds the whole answer (hop-by-hop
// headers removed), or with an error that wraps ErrTimeout, ErrUnreachable
// or ErrClientGone, as Do's do. The deadline is checked by Expire.
func (p *Proxy) Send(el *evloop.Loop, req *fasthttp.Request, resp *fasthttp.Response, up *Upstream, deadline time.Time, out *Outgoing, done func(error)) *Call {
	lp := up.loopPool(el)
	c := lp.newCall()
	c.resp, c.hasBody, c.skipBody, c.deadline, c.done = resp, len(out.Body) > 0, req.Header.IsHead(), deadline, done
	c.wire = encodeRequest(c.wire, req, up.host, out)
	resp.SkipBody = c.skipBody
	lp.calls[c] = struct{}{}
	lp.start(c)
	return c
}

// Cancel ends the call because its client has gone: its connection is
// closed, and done gets ErrClientGone. Call it on the loop, before done
// has run: after that the call is reused.
func (c *Call) Cancel() {
	c.fail(fmt.Errorf("%w: %w", ErrClientGone, context.Canceled))
}

// Expire fails the calls of el that are past their deadline. Call it on
// el, now and then: a call's deadline is only as exact as that.
func (p *Proxy) Expire(el *evloop.Loop, now time.Time) {
	p.mu.Lock()
	ups := p.upstreams
	p.mu.Unlock()
	for _, up := range ups {
		v, ok := up.loops.Load(el)
		if !ok {
			continue
		}
		for c := range v.(*loopPool).calls {
			if now.After(c.deadline) {
				c.fail(fmt.Errorf("%w: no answer by the deadline", ErrTimeout))
			}
		}
	}
}

func (c *Call) fail(err error) {
	if c.finished {
		return
	}
	if lc := c.conn; lc != nil {
		c.conn, lc.call = nil, nil
		lc.close()
	}
	c.finish(err)
}

func (c *Call) finish(err error) {
	if c.finished {
		return
	}
	c.finished = true
	delete(c.pool.calls, c)
	c.done(err)
	c.pool.recycle(c)
}

// loopPool is an upstream's connections on one loop, its calls in flight,
// and finished calls kept for reuse with their request buffers.
type loopPool struct {
	up    *Upstream
	el    *evloop.Loop
	idle  []*loopConn // most recently used last
	calls map[*Call]struct{}
	free  []*Call
}

// maxFree bounds the finished calls a loop keeps per upstream.
const maxFree = 256

func (lp *loopPool) newCall() *Call {
	if n := len(lp.free); n > 0 {
		c := lp.free[n-1]
		lp.free = lp.free[:n-1]
		return c
	}
	return &Call{pool: lp}
}

func (lp *loopPool) recycle(c *Call) {
	if len(lp.free) >= maxFree || cap(c.wire) > 64<<10 {
		return
	}
	*c = Call{pool: lp, wire: c.wire[:0]}
	lp.free = append(lp.free, c)
}

func (up *Upstream) loopPool(el *evloop.Loop) *loopPool {
	if v, ok := up.loops.Load(el); ok {
		return v.(*loopPool)
	}
	v, _ := up.loops.LoadOrStore(el, &loopPool{up: up, el: el, calls: map[*Call]struct{}{}})
	return v.(*loopPool)
}

// start sends c on an idle connection, or on a new one once it is open.
func (lp *loopPool) start(c *Call) {
	now := time.Now()
	for len(lp.idle) > 0 {
		lc := lp.idle[len(lp.idle)-1]
		lp.idle = lp.idle[:len(lp.idle)-1]
		if lc.gone {
			continue
		}
		if now.Sub(lc.idleAt) >= idleTTL {
			lc.close()
			continue
		}
		lc.reused = true
		lc.send(c)
		return
	}
	lc := &loopConn{pool: lp, call: c}
	c.conn = lc
	lp.el.Dial(lp.up.addr, lc)
}

// loopConn is one upstream connection on a loop. Its events come to it
// through the gateway's server (see evhttp.Peer).
type loopConn struct {
	pool   *loopPool
	gc     *evloop.Conn // set once open
	call   *Call        // the exchange in flight, if any
	idleAt time.Time
	reused bool
	gone   bool
}

func (lc *loopConn) send(c *Call) {
	lc.call, c.conn = c, lc
	if err := lc.gc.Write(c.wire); err != nil && !lc.gone {
		lc.close()
	}
}

// OnOpen sends the call that waited for the connection.
func (lc *loopConn) OnOpen(gc *evloop.Conn) {
	lc.gc = gc
	if c := lc.call; c != nil {
		lc.send(c)
		return
	}
	lc.close() // its call ended while it was being dialled
}

// OnTraffic reads the answer of the call in flight.
func (lc *loopConn) OnTraffic(gc *evloop.Conn) {
	c := lc.call
	if c == nil { // nothing was asked
		lc.close()
		return
	}
	buf := gc.Peek()
	n, whole, err := readAnswer(buf, c.resp, c.skipBody, false)
	switch {
	case err != nil:
		c.fail(fmt.Errorf("%w: %w", ErrUnreachable, err))
	case whole:
		gc.Discard(n)
		lc.answered(c)
	}
}

// answered ends c, whose answer is whole, and keeps the connection for
// the next call when the upstream allows it.
func (lc *loopConn) answered(c *Call) {
	keep := !c.resp.ConnectionClose() && !lc.gone && lc.gc.Buffered() == 0
	stripHopByHop(&c.resp.Header)
	lc.call, c.conn = nil, nil
	if keep {
		lc.idleAt = time.Now()
		if len(lc.pool.idle) < maxIdle {
			lc.pool.idle = append(lc.pool.idle, lc)
		} else {
			lc.close()
		}
	} else {
		lc.close()
	}
	c.finish(nil)
}

// OnClose ends the call in flight: with its answer when the upstream ends
// it by closing, again on a new connection when a reused one was closed
// before answering a request without a body, or with an error.
func (lc *loopConn) OnClose(gc *evloop.Conn, cause error) {
	lc.gone = true
	c := lc.call
	if c == nil {
		return
	}
	lc.call, c.conn = nil, nil
	buf := gc.Peek()
	if len(buf) > 0 {
		if _, whole, err := readAnswer(buf, c.resp, c.skipBody, true); err == nil && whole {
			stripHopByHop(&c.resp.Header)
			c.finish(nil)
			return
		}
	}
	if lc.reused && len(buf) == 0 && !c.hasBody && !c.retried {
		c.retried = true
		c.pool.start(c)
		return
	}
	if cause == nil {
		cause = io.ErrUnexpectedEOF
	}
	c.finish(fmt.Errorf("%w: connection closed: %w", ErrUnreachable, cause))
}

func (lc *loopConn) close() {
	if lc.gone || lc.gc == nil {
		lc.gone = true
		return
	}
	lc.gone = true
	lc.gc.Close()
}

// readAnswer parses the answer at the start of buf into resp when it is
// whole, and returns its length. eof tells that the upstream has closed,
// which ends an answer whose length is not given.
func readAnswer(buf []byte, resp *fasthttp.Response, skipBody, eof bool) (int, bool, error) {
	if !bytes.Contains(buf, headEnd) {
		if len(buf) > maxHeaderBytes {
			return 0, false, errors.New("answer head too large")
		}
		return 0, false, nil
	}
	r := acquireReader(buf)
	defer readers.Put(r)
	resp.Reset()
	resp.SkipBody = skipBody
	for {
		if err := resp.Header.Read(&r.br); err != nil {
			return incomplete(err, eof)
		}
		if s := resp.StatusCode(); s >= 200 || s < 100 || s == fasthttp.StatusSwitchingProtocols {
			break
		}
	}
	if !skipBody && bodyAllowed(resp.StatusCode()) {
		if resp.Header.ContentLength() == -2 && !eof {
			return 0, false, nil // ends when the upstream closes
		}
		if err := resp.ReadBody(&r.br, maxAnswer); err != nil {
			return incomplete(err, eof)
		}
		if resp.Header.ContentLength() == -1 {
			if err := resp.Header.ReadTrailer(&r.br); err != nil {
				return incomplete(err, eof)
			}
		}
	}
	return len(buf) - r.src.Len() - r.br.Buffered(), true, nil
}

// incomplete sorts a parse error: bytes still to come, unless the upstream
// has closed, or a broken answer.
func incomplete(err error, eof bool) (int, bool, error) {
	if !eof && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, fasthttp.ErrNeedMore)) {
		return 0, false, nil
	}
	return 0, false, err
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != fasthttp.StatusNoContent && status != fasthttp.StatusNotModified
}

var headEnd = []byte("\r\n\r\n")

// maxHeaderBytes bounds an answer's head.
const maxHeaderBytes = 64 << 10

type byteReader struct {
	src bytes.Reader
	br  bufio.Reader
}

var readers = sync.Pool{New: func() any {
	r := &byteReader{}
	r.br = *bufio.NewReaderSize(&r.src, maxHeaderBytes)
	return r
}}

func acquireReader(b []byte) *byteReader {
	r := readers.Get().(*byteReader)
	r.src.Reset(b)
	r.br.Reset(&r.src)
	return r
}

// encodeRequest appends req as the upstream receives it (see writeHead) to
// dst.
func encodeRequest(dst []byte, req *fasthttp.Request, host string, out *Outgoing) []byte {
	w := writers.Get().(*appendWriter)
	w.b = dst[:0]
	w.bw.Reset(w)
	writeHead(&w.bw, req, host, out)
	_, _ = w.bw.Write(out.Body)
	_ = w.bw.Flush()
	dst = w.b
	w.b = nil
	writers.Put(w)
	return dst
}

// appendWriter collects what its bufio.Writer flushes.
type appendWriter struct {
	b  []byte
	bw bufio.Writer
}

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

var writers = sync.Pool{New: func() any {
	w := &appendWriter{}
	w.bw = *bufio.NewWriterSize(w, 4<<10)
	return w
}}
