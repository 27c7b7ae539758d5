// Package evhttp serves HTTP/1.1 on event loops (package evloop), the way
// nginx does:
// a connection belongs to one loop, which frames and parses its requests
// and runs the handler, so a request that the handler can answer without
// waiting (or by waiting on another connection of the same loop, as a
// proxy does) costs no goroutine hand-off and no read that finds nothing.
//
// A handler answers at once, later from the same loop, or from any
// goroutine (Exchange.FinishAsync). Requests pipelined on a connection are
// answered in order, one at a time: the next is not parsed before the
// previous is finished.
package evhttp

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/eventshop/eventshop/gateway/internal/evloop"
)

// Handler handles the requests of a Server.
type Handler interface {
	// ServeEvent handles ex on its connection's loop. It must not block
	// the loop: work that waits runs on a goroutine that ends with
	// ex.FinishAsync. Every exchange must be finished exactly once, also
	// when the client has gone (see Exchange.OnGone).
	ServeEvent(ex *Exchange)
}

// Peer is a connection that a handler opened on a loop, such as an
// upstream's: dial it there (evloop.Loop.Dial) with the Peer as its
// context, and the server passes its events on.
type Peer interface {
	OnOpen(c *evloop.Conn)
	OnTraffic(c *evloop.Conn)
	OnClose(c *evloop.Conn, err error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ex *Exchange)

// ServeEvent calls f(ex).
func (f HandlerFunc) ServeEvent(ex *Exchange) { f(ex) }

// Defaults for the zero fields of a Server.
const (
	DefaultMaxHeaderBytes = 8 << 10
	DefaultMaxBodyBytes   = 1 << 20
	DefaultTimeout        = 30 * time.Second
	// tick is how often each loop with requests in flight looks for
	// connections and calls past a timeout; idleTick the same when none
	// is in flight. Loops without connections are left asleep: a wake-up
	// costs the runtime more than the look.
	tick     = 250 * time.Millisecond
	idleTick = time.Second
)

// Server serves HTTP/1.1 on event loops. Set its fields before
// ListenAndServe.
type Server struct {
	Handler        Handler
	MaxHeaderBytes int // a request head beyond this is answered 431
	MaxBodyBytes   int // a request body beyond this is answered 413
	// ReadTimeout bounds a request's arrival from its first byte,
	// WriteTimeout the sending of an answer, IdleTimeout the wait for the
	// next request on a kept-alive connection. A connection past one of
	// them is closed.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// Loops is the number of event loops; 0 means evloop.DefaultLoops.
	Loops int
	// Reject, when set, fills the answer to a request that cannot be
	// parsed or is too large (status 400, 413 or 431), whose connection is
	// then closed. By default the answer is the status text.
	Reject func(status int, resp *fasthttp.Response)
	// Tick, when set, runs on every loop a few times a second, for the
	// handler's own deadlines (an upstream's answer, say).
	Tick func(l *evloop.Loop, now time.Time)
	Log  *slog.Logger

	eng      *evloop.Engine
	stopped  chan struct{} // closed by Shutdown once the loops have ended
	started  chan struct{}
	mu       sync.Mutex
	loops    map[*evloop.Loop]*loop
	readers  sync.Pool // of *byteReader
	inFlight atomic.Int64
	draining atomic.Bool
	// fasthttpLog takes the messages of fasthttp handlers' contexts.
	fasthttpLog fasthttpLogger
}

// loop is what the server keeps for one event loop; only that loop's
// goroutine touches it after creation, except n.
type loop struct {
	conns map[*conn]struct{}
	n     atomic.Int64 // len(conns), for OnTick
}

// ListenAndServe serves on addr ("127.0.0.1:8080") until Shutdown.
func (s *Server) ListenAndServe(addr string) error {
	s.defaults()
	loops := s.Loops
	if loops <= 0 {
		loops = evloop.DefaultLoops()
	}
	eng, err := evloop.Listen(addr, loops, s)
	if err != nil {
		return fmt.Errorf("evhttp: %w", err)
	}
	s.eng = eng
	s.mu.Lock()
	close(s.started)
	s.mu.Unlock()
	go s.ticker()
	<-s.stopped
	return nil
}

// Started is closed once the server listens.
func (s *Server) Started() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started == nil {
		s.started = make(chan struct{})
	}
	return s.started
}

// InFlight is the number of requests being answered.
func (s *Server) InFlight() int { return int(s.inFlight.Load()) }

// Shutdown stops serving gracefully: new connections are refused, idle
// ones closed at the next tick, and busy ones once their request is
// answered. When none is left, or ctx ends, the loops stop and whatever is
// still open is closed. A second call waits for the first.
func (s *Server) Shutdown(ctx context.Context) error {
	select {
	case <-s.Started():
	case <-ctx.Done(): // it never started
		return ctx.Err()
	}
	if s.draining.Swap(true) {
		select {
		case <-s.stopped:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.eng.StopAccepting()
	t := time.NewTicker(tick / 5)
	defer t.Stop()
	for s.InFlight() > 0 && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
	s.eng.Stop()
	close(s.stopped)
	return ctx.Err()
}

func (s *Server) defaults() {
	if s.MaxHeaderBytes <= 0 {
		s.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if s.MaxBodyBytes <= 0 {
		s.MaxBodyBytes = DefaultMaxBodyBytes
	}
	for _, d := range []*time.Duration{&s.ReadTimeout, &s.WriteTimeout, &s.IdleTimeout} {
		if *d <= 0 {
			*d = DefaultTimeout
		}
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	s.fasthttpLog = fasthttpLogger{s.Log}
	s.mu.Lock()
	s.loops = map[*evloop.Loop]*loop{}
	s.stopped = make(chan struct{})
	s.mu.Unlock()
	s.Started()
}

// OnOpen starts a connection's state; it waits for its first request.
func (s *Server) OnOpen(gc *evloop.Conn) {
	if p, ok := gc.Context().(Peer); ok {
		p.OnOpen(gc)
		return
	}
	if s.draining.Load() {
		gc.Close()
		return
	}
	l := s.loopOf(gc.Loop())
	c := &conn{srv: s, gc: gc, loop: l, since: time.Now(), addrs: addrs{gc.LocalAddr(), gc.RemoteAddr()}}
	l.conns[c] = struct{}{}
	l.n.Add(1)
	gc.SetContext(c)
}

// OnClose tells the exchange in flight, if any, that its client has gone.
func (s *Server) OnClose(gc *evloop.Conn, err error) {
	switch c := gc.Context().(type) {
	case *conn:
		c.closed()
	case Peer:
		c.OnClose(gc, err)
	}
}

// OnTraffic serves what arrived, unless a request is being answered.
func (s *Server) OnTraffic(gc *evloop.Conn) {
	switch c := gc.Context().(type) {
	case *conn:
		c.serve()
	case Peer:
		c.OnTraffic(gc)
	}
}

// OnAcceptError logs an accept that failed for want of descriptors or
// memory: the clients wait meanwhile, and the limit may need raising.
func (s *Server) OnAcceptError(err error, retry time.Duration) {
	s.Log.Warn("accept failed; retrying", "error", err, "retry_in", retry)
}

var _ evloop.AcceptErrorHandler = (*Server)(nil)

// ticker asks every loop that has connections, a few times a second, to
// close those past a timeout and to run Tick, until the server stops.
func (s *Server) ticker() {
	t := time.NewTimer(tick)
	defer t.Stop()
	for {
		select {
		case <-s.stopped:
			return
		case now := <-t.C:
			s.look(now)
			t.Reset(s.interval())
		}
	}
}

func (s *Server) look(now time.Time) {
	s.mu.Lock()
	loops := make(map[*evloop.Loop]*loop, len(s.loops))
	for el, l := range s.loops {
		loops[el] = l
	}
	s.mu.Unlock()
	draining := s.draining.Load()
	for el, l := range loops {
		if l.n.Load() == 0 {
			continue
		}
		_ = el.Execute(func() {
			l.expire(now, draining)
			if s.Tick != nil {
				s.Tick(el, now)
			}
		})
	}
}

func (s *Server) interval() time.Duration {
	if s.InFlight() == 0 {
		return idleTick
	}
	return tick
}

func (s *Server) loopOf(el *evloop.Loop) *loop {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.loops[el]
	if !ok {
		l = &loop{conns: map[*conn]struct{}{}}
		s.loops[el] = l
	}
	return l
}

// expire closes the loop's connections that are past a timeout, and the
// idle ones when the server is draining.
func (l *loop) expire(now time.Time, draining bool) {
	for c := range l.conns {
		d, limit := c.waited(now)
		if d > limit || (draining && c.busy == nil && !c.reading) {
			c.close()
		}
	}
}

// fasthttpLogger sends what fasthttp handlers log through their request
// context to the server's log.
type fasthttpLogger struct{ log *slog.Logger }

func (f fasthttpLogger) Printf(format string, a ...any) { f.log.Debug(fmt.Sprintf(format, a...)) }
