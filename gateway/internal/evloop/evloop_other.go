//go:build !linux || evloop_portable

package evloop

import (
	"net"
	"runtime"
	"sync"
	"time"
)

// Engine is a listener and the loops that serve its connections.
type Engine struct {
	h      Handler
	ln     net.Listener
	loops  []*Loop
	lnOnce sync.Once
	conns  sync.WaitGroup
}

// DefaultLoops is one loop per P. The portable loops hold no P.
func DefaultLoops() int { return runtime.GOMAXPROCS(0) }

// Listen binds addr and starts n loops serving it with h.
func Listen(addr string, n int, h Handler) (*Engine, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	e := &Engine{h: h, ln: ln}
	for range max(1, n) {
		e.loops = append(e.loops, &Loop{e: e, conns: map[*Conn]struct{}{}})
	}
	go e.accept()
	return e, nil
}

// accept takes connections until the listener closes. An accept that
// fails for want of descriptors or memory is tried again after a pause.
func (e *Engine) accept() {
	var pause time.Duration
	for i := 0; ; i++ {
		nc, err := e.ln.Accept()
		if acceptRetryable(err) {
			pause = nextAcceptPause(pause)
			reportAcceptError(e.h, err, pause)
			time.Sleep(pause)
			continue
		}
		if err != nil {
			return
		}
		pause = 0
		l := e.loops[i%len(e.loops)]
		l.mu.Lock()
		if l.stopped {
			l.mu.Unlock()
			_ = nc.Close()
			continue
		}
		c := l.open(nc, nil)
		l.mu.Unlock()
		if c != nil {
			go c.read()
		}
	}
}

// StopAccepting closes the listener: new connections are refused.
func (e *Engine) StopAccepting() { e.lnOnce.Do(func() { _ = e.ln.Close() }) }

// Stop closes every connection and ends the loops, and waits for them.
func (e *Engine) Stop() {
	e.StopAccepting()
	for _, l := range e.loops {
		l.tmu.Lock()
		l.halted = true
		l.tmu.Unlock()
		l.mu.Lock()
		l.stopped = true
		for c := range l.conns {
			c.close(nil)
		}
		l.mu.Unlock()
	}
	e.conns.Wait()
}

const readBuffer = 64 << 10

// Loop serialises the handler calls of its connections with a lock.
type Loop struct {
	e       *Engine
	mu      sync.Mutex
	conns   map[*Conn]struct{}
	stopped bool

	tmu     sync.Mutex
	tasks   []func()
	running bool // a goroutine runs the tasks
	halted  bool // Execute refuses: the loop stopped
}

// Execute runs f on the loop soon, after the tasks before it. Any
// goroutine may call it, a handler call or task too: tasks have their own
// lock, and one goroutine at a time runs them under the loop's.
func (l *Loop) Execute(f func()) error {
	l.tmu.Lock()
	defer l.tmu.Unlock()
	if l.halted {
		return ErrStopped
	}
	l.tasks = append(l.tasks, f)
	if !l.running {
		l.running = true
		go l.runTasks()
	}
	return nil
}

func (l *Loop) runTasks() {
	for {
		l.tmu.Lock()
		if len(l.tasks) == 0 {
			l.running = false
			l.tmu.Unlock()
			return
		}
		f := l.tasks[0]
		l.tasks = l.tasks[1:]
		l.tmu.Unlock()
		l.mu.Lock()
		if !l.stopped {
			f()
		}
		l.mu.Unlock()
	}
}

// Dial connects to addr with ctx as the connection's context: OnOpen or
// OnClose follow on the loop.
func (l *Loop) Dial(addr string, ctx any) {
	go func() {
		nc, err := net.Dial("tcp", addr)
		l.mu.Lock()
		defer l.mu.Unlock()
		if err != nil || l.stopped {
			if nc != nil {
				_ = nc.Close()
			}
			l.e.h.OnClose(&Conn{l: l, ctx: ctx, closed: true}, err)
			return
		}
		if c := l.open(nc, ctx); c != nil {
			go c.read()
		}
	}()
}

// open starts a connection under the loop's lock; the caller starts its
// reader unless it returns nil. The reader is counted here, under the lock
// Stop takes before it waits for them.
func (l *Loop) open(nc net.Conn, ctx any) *Conn {
	c := &Conn{l: l, nc: nc, ctx: ctx, local: nc.LocalAddr(), remote: nc.RemoteAddr()}
	l.conns[c] = struct{}{}
	l.e.h.OnOpen(c)
	if c.closed {
		return nil
	}
	l.e.conns.Add(1)
	return c
}

// Conn is a connection of a loop. Its methods are for the loop's handler
// calls and tasks.
type Conn struct {
	l             *Loop
	nc            net.Conn
	ctx           any
	local, remote net.Addr
	in            []byte
	closed        bool
}

func (c *Conn) Context() any         { return c.ctx }
func (c *Conn) SetContext(v any)     { c.ctx = v }
func (c *Conn) Loop() *Loop          { return c.l }
func (c *Conn) LocalAddr() net.Addr  { return c.local }
func (c *Conn) RemoteAddr() net.Addr { return c.remote }
func (c *Conn) Buffered() int        { return len(c.in) }
func (c *Conn) Pending() int         { return 0 }
func (c *Conn) Close()               { c.close(nil) }
func (c *Conn) Discard(n int)        { c.in = c.in[n:] }
func (c *Conn) Peek() []byte         { return c.in }
func (c *Conn) Write(b []byte) error {
	if c.closed {
		return net.ErrClosed
	}
	if _, err := c.nc.Write(b); err != nil {
		c.close(err)
		return net.ErrClosed
	}
	return nil
}

func (c *Conn) close(err error) {
	if c.closed {
		return
	}
	c.closed = true
	delete(c.l.conns, c)
	c.l.e.h.OnClose(c, err)
	_ = c.nc.Close()
}

// read hands what arrives to the handler under the loop's lock.
func (c *Conn) read() {
	defer c.l.e.conns.Done()
	buf := make([]byte, readBuffer)
	for {
		n, err := c.nc.Read(buf)
		c.l.mu.Lock()
		if c.closed {
			c.l.mu.Unlock()
			return
		}
		if n > 0 {
			c.in = append(c.in, buf[:n]...)
			c.l.e.h.OnTraffic(c)
		}
		if err != nil && !c.closed {
			c.close(err)
		}
		closed := c.closed
		c.l.mu.Unlock()
		if closed {
			return
		}
	}
}
