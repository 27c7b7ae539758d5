package evhttp

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/valyala/fasthttp"
)

// Exchange is one request and its answer. The handler fills Response and
// calls Finish on the loop, or FinishAsync from elsewhere; after that the
// exchange is reused and must not be touched.
type Exchange struct {
	Request  fasthttp.Request
	Response fasthttp.Response
	// Start is when the request was dispatched.
	Start time.Time

	c          *conn
	remote     net.Addr
	head       bool // a HEAD request: the answer has no body
	closeAfter bool // the client asked to close after the answer
	onGone     func()
	buf        []byte // the encoded answer, kept for reuse
}

var exchanges = sync.Pool{New: func() any { return new(Exchange) }}

func acquireExchange(c *conn) *Exchange {
	ex := exchanges.Get().(*Exchange)
	ex.c = c
	return ex
}

func releaseExchange(ex *Exchange) {
	ex.Request.Reset()
	ex.Response.Reset()
	ex.c, ex.remote, ex.onGone, ex.Start = nil, nil, nil, time.Time{}
	ex.head, ex.closeAfter = false, false
	exchanges.Put(ex)
}

func (ex *Exchange) start() {
	h := &ex.Request.Header
	ex.Start = time.Now()
	ex.remote = ex.c.gc.RemoteAddr()
	ex.head = h.IsHead()
	ex.closeAfter = h.ConnectionClose()
	ex.Response.SkipBody = ex.head
}

// RemoteAddr is the client's address.
func (ex *Exchange) RemoteAddr() net.Addr { return ex.remote }

// Loop is the event loop of the exchange's connection, where connections
// the handler opens for it (an upstream's, say) are best registered.
func (ex *Exchange) Loop() gnet.EventLoop { return ex.c.gc.EventLoop() }

// OnGone sets f to run on the loop if the client closes its connection
// before the exchange is finished. The exchange must still be finished.
// Call it on the loop.
func (ex *Exchange) OnGone(f func()) { ex.onGone = f }

func (ex *Exchange) clientGone() {
	if f := ex.onGone; f != nil {
		ex.onGone = nil
		f()
	}
}

// Finish sends Response to the client and serves the connection's next
// request. Call it on the loop, once.
func (ex *Exchange) Finish() {
	c := ex.c
	if !ex.Start.IsZero() {
		c.srv.inFlight.Add(-1)
	}
	if c.gone {
		releaseExchange(ex)
		return
	}
	closeAfter := ex.closeAfter || ex.Response.ConnectionClose()
	ex.buf = ex.encode(ex.buf[:0], closeAfter)
	// The exchange is answered before the write, which may find the
	// connection broken and close it: that is no client gone mid-request.
	c.busy = nil
	_, _ = c.gc.Write(ex.buf)
	releaseExchange(ex)
	if !c.gone {
		c.answered(closeAfter)
	}
}

// FinishAsync is Finish for any goroutine: the answer is sent on the loop.
func (ex *Exchange) FinishAsync() {
	_ = ex.c.gc.EventLoop().Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		ex.Finish()
		return nil
	}))
}

// encode appends the answer, head and body, to dst.
func (ex *Exchange) encode(dst []byte, closeAfter bool) []byte {
	resp := &ex.Response
	if closeAfter {
		resp.Header.SetConnectionClose()
	}
	body := resp.Body()
	if !ex.head {
		resp.Header.SetContentLength(len(body))
	}
	dst = resp.Header.AppendBytes(dst)
	if !ex.head && bodyAllowed(resp.StatusCode()) {
		dst = append(dst, body...)
	}
	return dst
}

// bodyAllowed reports whether an answer with status may carry a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != fasthttp.StatusNoContent && status != fasthttp.StatusNotModified
}

func statusText(status int) string { return fasthttp.StatusMessage(status) }
