package proxy

import (
	"bufio"
	"crypto/tls"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/eventshop/eventshop/gateway/internal/rawconn"
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
	tls    *tls.Config // nil for plain HTTP
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
	c, err := p.dial()
	if err != nil {
		return nil, false, err
	}
	return &pconn{conn: c, br: bufio.NewReaderSize(c, 16<<10), bw: bufio.NewWriterSize(c, 16<<10)}, false, nil
}

func (p *pool) dial() (net.Conn, error) {
	c, err := p.dialer.Dial("tcp", p.addr)
	if err != nil {
		return nil, err
	}
	// Every request's answer is read right after it is written, so the
	// connection may hold the request until that read (rawconn.WrapClient).
	c = rawconn.WrapClient(c)
	if p.tls == nil {
		return c, nil
	}
	// The handshake has the dial's time limit, as tls.DialWithDialer gives it.
	_ = c.SetDeadline(time.Now().Add(p.dialer.Timeout))
	tc := tls.Client(c, p.tls)
	if err := tc.Handshake(); err != nil {
		_ = c.Close()
		return nil, err
	}
	return tc, nil
}

// put returns a connection whose exchange completed cleanly. Its deadline
// stays: nothing reads an idle connection, and get's caller sets a new one
// before using it.
func (p *pool) put(pc *pconn) {
	if pc.br.Buffered() > 0 {
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
// request that cannot be retried, i.e. one with a body. A TLS connection is
// assumed open.
func (pc *pconn) alive() bool {
	sc, ok := pc.conn.(syscall.Conn)
	if !ok {
		return true
	}
	return !PeerClosed(sc, false)
}
