package proxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// idleTTL is how long a pooled upstream connection may sit unused. It is
// well below the services' server idle timeout (120s), so the upstream does
// not close connections under our feet in the normal case.
const idleTTL = 30 * time.Second

// maxIdle bounds the idle connections kept per upstream.
const maxIdle = 1024

// pconn is one keep-alive HTTP/1.1 connection to an upstream.
type pconn struct {
	conn   net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	idleAt time.Time
}

// pool holds an upstream's idle connections, most recently used first.
type pool struct {
	addr   string
	dialer *net.Dialer
	mu     sync.Mutex
	idle   []*pconn
}

// get returns an idle connection, or dials a new one; reused tells which.
func (p *pool) get() (pc *pconn, reused bool, err error) {
	now := time.Now()
	p.mu.Lock()
	for len(p.idle) > 0 {
		pc = p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if now.Sub(pc.idleAt) < idleTTL {
			p.mu.Unlock()
			return pc, true, nil
		}
		_ = pc.conn.Close()
	}
	p.mu.Unlock()
	c, err := p.dialer.Dial("tcp", p.addr)
	if err != nil {
		return nil, false, err
	}
	return &pconn{conn: c, br: bufio.NewReaderSize(c, 16<<10), bw: bufio.NewWriterSize(c, 16<<10)}, false, nil
}

// put returns a connection whose exchange completed cleanly.
func (p *pool) put(pc *pconn) {
	if pc.br.Buffered() > 0 || pc.conn.SetDeadline(time.Time{}) != nil {
		_ = pc.conn.Close()
		return
	}
	pc.idleAt = time.Now()
	p.mu.Lock()
	if len(p.idle) < maxIdle {
		p.idle = append(p.idle, pc)
		pc = nil
	}
	p.mu.Unlock()
	if pc != nil {
		_ = pc.conn.Close()
	}
}

// closeIdle closes every idle connection.
func (p *pool) closeIdle() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, pc := range idle {
		_ = pc.conn.Close()
	}
}

// alive reports whether an idle connection is still open, without blocking:
// a peek that finds EOF means the upstream closed it. Used before sending a
// request that cannot be retried, i.e. one with a body.
func (pc *pconn) alive() bool {
	sc, ok := pc.conn.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	open := true
	var buf [1]byte
	_ = rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		open = n > 0 || errors.Is(err, syscall.EAGAIN)
		return true
	})
	return open
}

// pooledBody hands the connection back to the pool once the response body
// has been read to its end, and closes it if the reader stops early.
type pooledBody struct {
	rc   io.ReadCloser
	pc   *pconn
	pool *pool
	keep bool
	stop func() bool // stops the client-cancellation hook; false if it already fired
}

// Read reads the body; at its end the connection goes back to the pool.
func (b *pooledBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.release(b.keep)
	} else if err != nil {
		b.release(false)
	}
	return n, err
}

// Close abandons the body; an unread rest makes the connection unusable, so it is closed.
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
	if !b.stop() {
		reuse = false
	}
	if reuse {
		b.pool.put(pc)
		return
	}
	_ = pc.conn.Close()
}
