package evhttp

import (
	"errors"
	"net"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/eventshop/eventshop/gateway/internal/evloop"
)

// Exchange is one request and its answer. The handler fills the response
// and calls Finish on the loop, or FinishAsync from elsewhere; after that
// the exchange is reused and must not be touched.
type Exchange struct {
	// Ctx holds the request and the response, and gives fasthttp
	// handlers the request context they expect: its connection is one
	// that has addresses only.
	Ctx fasthttp.RequestCtx
	// Start is when the request was dispatched.
	Start time.Time

	c          *conn
	head       bool // a HEAD request: the answer has no body
	closeAfter bool // the client asked to close after the answer
	onGone     func()
	buf        []byte // the encoded answer, kept for reuse
	// shared is set when the exchange was handled off the loop: its
	// request context may still be referenced there (a context derived
	// from it, say), so it is left to the collector instead of reused.
	shared bool
}

var exchanges = sync.Pool{New: func() any { return new(Exchange) }}

func acquireExchange(c *conn) *Exchange {
	ex := exchanges.Get().(*Exchange)
	ex.c = c
	return ex
}

func releaseExchange(ex *Exchange) {
	if ex.shared {
		return
	}
	ex.Ctx.Request.Reset()
	ex.Ctx.Response.Reset()
	ex.Ctx.ResetUserValues()
	ex.c, ex.onGone, ex.Start = nil, nil, time.Time{}
	ex.head, ex.closeAfter = false, false
	exchanges.Put(ex)
}

func (ex *Exchange) start() {
	h := &ex.Ctx.Request.Header
	ex.Start = time.Now()
	ex.head = h.IsHead()
	ex.closeAfter = h.ConnectionClose()
	ex.Ctx.Init2(&ex.c.addrs, ex.c.srv.fasthttpLog, false)
	ex.Ctx.Response.SkipBody = ex.head
}

// Request is the request, parsed, body included.
func (ex *Exchange) Request() *fasthttp.Request { return &ex.Ctx.Request }

// Response is the answer the handler fills.
func (ex *Exchange) Response() *fasthttp.Response { return &ex.Ctx.Response }

// Loop is the event loop of the exchange's connection, where connections
// the handler opens for it (an upstream's, say) are best registered.
func (ex *Exchange) Loop() *evloop.Loop { return ex.c.gc.Loop() }

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
	closeAfter := ex.closeAfter || ex.Ctx.Response.ConnectionClose()
	ex.buf = ex.encode(ex.buf[:0], closeAfter)
	// The exchange is answered before the write, which may find the
	// connection broken and close it: that is no client gone mid-request.
	c.busy = nil
	_ = c.gc.Write(ex.buf)
	releaseExchange(ex)
	if !c.gone {
		c.answered(closeAfter)
	}
}

// FinishAsync is Finish for any goroutine: the answer is sent on the loop.
func (ex *Exchange) FinishAsync() {
	ex.shared = true
	_ = ex.c.gc.Loop().Execute(ex.Finish)
}

// encode appends the answer, head and body, to dst.
func (ex *Exchange) encode(dst []byte, closeAfter bool) []byte {
	resp := &ex.Ctx.Response
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

// addrs is what a request context sees of its connection: the addresses.
// Reading, writing and deadlines belong to the event loop.
type addrs struct{ local, remote net.Addr }

var errNotStream = errors.New("evhttp: the connection belongs to its event loop")

func (a *addrs) Read([]byte) (int, error)         { return 0, errNotStream }
func (a *addrs) Write([]byte) (int, error)        { return 0, errNotStream }
func (a *addrs) Close() error                     { return nil }
func (a *addrs) LocalAddr() net.Addr              { return a.local }
func (a *addrs) RemoteAddr() net.Addr             { return a.remote }
func (a *addrs) SetDeadline(time.Time) error      { return nil }
func (a *addrs) SetReadDeadline(time.Time) error  { return nil }
func (a *addrs) SetWriteDeadline(time.Time) error { return nil }
