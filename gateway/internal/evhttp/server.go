// Package evhttp serves HTTP/1.1 on gnet's event loops, the way nginx does:
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
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
	gerrors "github.com/panjf2000/gnet/v2/pkg/errors"
	"github.com/valyala/fasthttp"
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
// upstream's: register it there (gnet.EventLoop.Register) with the Peer as
// its context (gnet.NewContext), and the server passes its events on.
type Peer interface {
	OnOpen(gc gnet.Conn)
	OnTraffic(gc gnet.Conn)
	OnClose(gc gnet.Conn, err error)
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

// Server serves HTTP/1.1 on gnet's event loops. Set its fields before
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
	// Loops is the number of event loops; 0 means one per CPU.
	Loops int
	// Reject, when set, fills the answer to a request that cannot be
	// parsed or is too large (status 400, 413 or 431), whose connection is
	// then closed. By default the answer is the status text.
	Reject func(status int, resp *fasthttp.Response)
	// Tick, when set, runs on every loop a few times a second, for the
	// handler's own deadlines (an upstream's answer, say).
	Tick func(el gnet.EventLoop, now time.Time)
	Log  *slog.Logger

	gnet.BuiltinEventEngine
	eng      gnet.Engine
	started  chan struct{}
	mu       sync.Mutex
	loops    map[gnet.EventLoop]*loop
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
	opts := []gnet.Option{
		gnet.WithMulticore(true), gnet.WithTicker(true), gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithLogger(gnetLogger{s.Log}), gnet.WithReuseAddr(true),
	}
	if s.Loops > 0 {
		opts = append(opts, gnet.WithNumEventLoop(s.Loops))
	}
	err := gnet.Run(s, "tcp://"+addr, opts...)
	if err != nil {
		return fmt.Errorf("evhttp: serve %s: %w", addr, err)
	}
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

// Shutdown stops serving gracefully: new connections are closed at once,
// idle ones at the next tick, and busy ones once their request is
// answered. When none is left, or ctx ends, the loops stop and whatever is
// still open is closed.
func (s *Server) Shutdown(ctx context.Context) error {
	select {
	case <-s.Started():
	case <-ctx.Done(): // it never started
		return ctx.Err()
	}
	s.draining.Store(true)
	t := time.NewTicker(tick / 5)
	defer t.Stop()
	for s.InFlight() > 0 && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
	err := s.eng.Stop(context.Background())
	if err != nil && !errors.Is(err, gerrors.ErrEngineInShutdown) {
		return fmt.Errorf("evhttp: stop: %w", err)
	}
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
	s.loops = map[gnet.EventLoop]*loop{}
	s.mu.Unlock()
	s.Started()
}

// OnBoot records the engine, for Shutdown.
func (s *Server) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	s.Started()
	s.mu.Lock()
	close(s.started)
	s.mu.Unlock()
	return gnet.None
}

// OnOpen starts a connection's state; it waits for its first request.
func (s *Server) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	if p, ok := gc.Context().(Peer); ok {
		p.OnOpen(gc)
		return nil, gnet.None
	}
	if s.draining.Load() {
		return nil, gnet.Close
	}
	l := s.loopOf(gc.EventLoop())
	c := &conn{srv: s, gc: gc, loop: l, since: time.Now(), addrs: addrs{gc.LocalAddr(), gc.RemoteAddr()}}
	l.conns[c] = struct{}{}
	l.n.Add(1)
	gc.SetContext(c)
	return nil, gnet.None
}

// OnClose tells the exchange in flight, if any, that its client has gone.
func (s *Server) OnClose(gc gnet.Conn, err error) gnet.Action {
	switch c := gc.Context().(type) {
	case *conn:
		c.closed()
	case Peer:
		c.OnClose(gc, err)
	}
	return gnet.None
}

// OnTraffic serves what arrived, unless a request is being answered.
func (s *Server) OnTraffic(gc gnet.Conn) gnet.Action {
	switch c := gc.Context().(type) {
	case *conn:
		c.serve()
	case Peer:
		c.OnTraffic(gc)
	}
	return gnet.None
}

// OnTick asks every loop that has connections to close those past a
// timeout and to run Tick.
func (s *Server) OnTick() (time.Duration, gnet.Action) {
	s.mu.Lock()
	loops := make(map[gnet.EventLoop]*loop, len(s.loops))
	for el, l := range s.loops {
		loops[el] = l
	}
	s.mu.Unlock()
	now := time.Now()
	draining := s.draining.Load()
	for el, l := range loops {
		if l.n.Load() == 0 {
			continue
		}
		_ = el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
			l.expire(now, draining)
			if s.Tick != nil {
				s.Tick(el, now)
			}
			return nil
		}))
	}
	if s.InFlight() == 0 {
		return idleTick, gnet.None
	}
	return tick, gnet.None
}

func (s *Server) loopOf(el gnet.EventLoop) *loop {
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

// gnetLogger sends gnet's own messages to the server's log.
type gnetLogger struct{ log *slog.Logger }

func (g gnetLogger) Debugf(f string, a ...any) { g.log.Debug(fmt.Sprintf(f, a...)) }
func (g gnetLogger) Infof(f string, a ...any)  { g.log.Debug(fmt.Sprintf(f, a...)) }
func (g gnetLogger) Warnf(f string, a ...any)  { g.log.Warn(fmt.Sprintf(f, a...)) }
func (g gnetLogger) Errorf(f string, a ...any) { g.log.Error(fmt.Sprintf(f, a...)) }
func (g gnetLogger) Fatalf(f string, a ...any) { g.log.Error(fmt.Sprintf(f, a...)) }

// fasthttpLogger sends what fasthttp handlers log through their request
// context to the server's log.
type fasthttpLogger struct{ log *slog.Logger }

func (f fasthttpLogger) Printf(format string, a ...any) { f.log.Debug(fmt.Sprintf(format, a...)) }
