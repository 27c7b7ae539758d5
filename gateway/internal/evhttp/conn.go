package evhttp

import (
	"time"

	"github.com/eventshop/eventshop/gateway/internal/evloop"
)

// conn is a client connection's state. Only its loop's goroutine uses it.
type conn struct {
	srv   *Server
	gc    *evloop.Conn
	loop  *loop
	addrs addrs // what the request contexts see of the connection

	busy    *Exchange // the request being answered, nil between requests
	serving bool      // serve is running: a synchronous Finish must not re-enter it
	gone    bool      // closed; nothing may touch gc any more

	// since is when the current wait began: the connection's opening or
	// its last answer while idle, a request's first byte while reading,
	// the last answer while its bytes are still queued.
	since     time.Time
	reading   bool // part of a request has arrived
	continued bool // "100 Continue" was sent for the request being read
}

// serve parses and dispatches the buffered requests, one at a time, until
// one is left unanswered or the buffer holds no whole request.
func (c *conn) serve() {
	if c.serving || c.busy != nil || c.gone {
		return
	}
	c.serving = true
	defer func() { c.serving = false }()
	for c.busy == nil && !c.gone {
		buf := c.gc.Peek()
		if len(buf) == 0 {
			return
		}
		ex := acquireExchange(c)
		f := c.srv.frame(buf, &ex.Ctx.Request)
		switch {
		case f.status != 0:
			releaseExchange(ex)
			c.reject(f.status)
			return
		case f.n == 0:
			releaseExchange(ex)
			c.wait(f.expectsContinue)
			return
		}
		c.gc.Discard(f.n)
		c.reading, c.continued = false, false
		c.dispatch(ex)
	}
}

// wait notes that a request has begun arriving and, when its client asked,
// tells it to send the body.
func (c *conn) wait(expectsContinue bool) {
	if !c.reading {
		c.reading, c.since = true, time.Now()
	}
	if expectsContinue && !c.continued {
		c.continued = true
		_ = c.gc.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n"))
	}
}

func (c *conn) dispatch(ex *Exchange) {
	c.busy = ex
	c.srv.inFlight.Add(1)
	ex.start()
	c.srv.Handler.ServeEvent(ex)
}

// answered ends the exchange in flight after its answer was queued, and
// serves the next request if one is buffered.
func (c *conn) answered(closeAfter bool) {
	c.busy = nil
	c.since = time.Now()
	if closeAfter || c.srv.draining.Load() {
		c.close()
		return
	}
	c.serve()
}

// reject answers a request that cannot be served and closes the connection.
func (c *conn) reject(status int) {
	ex := acquireExchange(c)
	c.busy = ex
	ex.Ctx.Response.SetStatusCode(status)
	if c.srv.Reject != nil {
		c.srv.Reject(status, &ex.Ctx.Response)
	} else {
		ex.Ctx.Response.SetBodyString(statusText(status))
	}
	ex.closeAfter = true
	ex.Finish()
}

// close closes the connection on its loop; closed runs meanwhile.
func (c *conn) close() {
	if !c.gone {
		c.gc.Close()
	}
}

// closed forgets the connection and tells the exchange in flight.
func (c *conn) closed() {
	if c.gone {
		return
	}
	c.gone = true
	delete(c.loop.conns, c)
	c.loop.n.Add(-1)
	if ex := c.busy; ex != nil {
		ex.clientGone()
	}
}

// waited is how long the connection has been in its current wait, and the
// limit for that wait; 0 and 0 while a handler answers.
func (c *conn) waited(now time.Time) (time.Duration, time.Duration) {
	switch {
	case c.busy != nil:
		return 0, 0
	case c.gc.Pending() > 0:
		return now.Sub(c.since), c.srv.WriteTimeout
	case c.reading:
		return now.Sub(c.since), c.srv.ReadTimeout
	default:
		return now.Sub(c.since), c.srv.IdleTimeout
	}
}
