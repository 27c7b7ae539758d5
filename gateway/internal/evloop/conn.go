//go:build linux && !evloop_portable

package evloop

import (
	"io"
	"net"
	"os"
	"syscall"

	"github.com/eventshop/eventshop/gateway/internal/rawconn"
)

// Conn is a connection of a loop. Its methods are for the loop's goroutine.
type Conn struct {
	l             *Loop
	fd            int
	ctx           any
	local, remote net.Addr
	in            []byte // what arrived and was not discarded
	fresh         []byte // what the read in progress brought, in the loop's buffer
	out           []byte // what could not be written yet
	connecting    bool
	closed        bool
}

// Context is the value the handler keeps with the connection.
func (c *Conn) Context() any { return c.ctx }

// SetContext sets it.
func (c *Conn) SetContext(v any) { c.ctx = v }

// Loop is the connection's loop.
func (c *Conn) Loop() *Loop { return c.l }

// LocalAddr and RemoteAddr are the connection's addresses.
func (c *Conn) LocalAddr() net.Addr  { return c.local }
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// Peek is what arrived and was not discarded. It is valid until the next
// Discard, or the end of the handler's call.
func (c *Conn) Peek() []byte {
	if len(c.in) == 0 {
		return c.fresh
	}
	if len(c.fresh) > 0 {
		c.in = append(c.in, c.fresh...)
		c.fresh = nil
	}
	return c.in
}

// Discard drops the first n bytes of what Peek returns.
func (c *Conn) Discard(n int) {
	if len(c.in) == 0 {
		c.fresh = c.fresh[n:]
		return
	}
	c.in = c.in[n:]
	if len(c.in) == 0 {
		c.in = nil
	}
}

// Buffered is how many bytes Peek would return.
func (c *Conn) Buffered() int { return len(c.in) + len(c.fresh) }

// Pending is how many written bytes wait for the socket.
func (c *Conn) Pending() int { return len(c.out) }

// Write sends b, or queues what the socket cannot take yet. A failed write
// closes the connection.
func (c *Conn) Write(b []byte) error {
	if c.closed {
		return net.ErrClosed
	}
	if len(c.out) > 0 || c.connecting {
		c.out = append(c.out, b...)
		return nil
	}
	n, errno := rawWrite(c.fd, b)
	switch {
	case errno == syscall.EAGAIN:
		n = 0
	case errno != 0:
		c.close(os.NewSyscallError("write", errno))
		return net.ErrClosed
	}
	if n < len(b) {
		c.out = append(c.out, b[n:]...)
		_ = c.l.ctl(syscall.EPOLL_CTL_MOD, c.fd, syscall.EPOLLIN|syscall.EPOLLOUT|syscall.EPOLLRDHUP)
	}
	return nil
}

// Close closes the connection: the handler's OnClose runs at once.
func (c *Conn) Close() { c.close(nil) }

func (c *Conn) close(err error) {
	if c.closed {
		return
	}
	c.closed = true
	if len(c.out) > 0 && !c.connecting {
		_, _ = rawWrite(c.fd, c.out) // a last try, as nginx's lingering close does not
	}
	_ = c.l.ctl(syscall.EPOLL_CTL_DEL, c.fd, 0)
	delete(c.l.conns, c.fd)
	c.l.e.h.OnClose(c, err)
	_ = syscall.Close(c.fd)
	c.in, c.fresh, c.out = nil, nil, nil
}

// readable reads what arrived and hands it to the handler; what it leaves
// is kept for the next time. Whatever a read leaves in the socket, epoll
// reports again at the loop's next wait.
func (c *Conn) readable() {
	n, errno := rawRead(c.fd, c.l.buf)
	switch {
	case errno == syscall.EAGAIN:
		return
	case errno != 0:
		c.close(os.NewSyscallError("read", errno))
		return
	case n == 0:
		c.close(io.EOF)
		return
	}
	c.fresh = c.l.buf[:n]
	c.l.e.h.OnTraffic(c)
	if !c.closed && len(c.fresh) > 0 {
		c.in = append(c.in, c.fresh...)
	}
	c.fresh = nil
}

// writable finishes a connect, or sends what was queued.
func (c *Conn) writable() {
	if c.connecting {
		c.connected()
		return
	}
	n, errno := rawWrite(c.fd, c.out)
	switch {
	case errno == syscall.EAGAIN:
		return
	case errno != 0:
		c.close(os.NewSyscallError("write", errno))
		return
	}
	c.out = c.out[n:]
	if len(c.out) > 0 {
		return
	}
	c.out = nil
	_ = c.l.ctl(syscall.EPOLL_CTL_MOD, c.fd, syscall.EPOLLIN|syscall.EPOLLRDHUP)
}

func (c *Conn) connected() {
	soErr, err := syscall.GetsockoptInt(c.fd, syscall.SOL_SOCKET, syscall.SO_ERROR)
	if err == nil && soErr != 0 {
		err = syscall.Errno(soErr)
	}
	if err != nil {
		c.connecting = false
		c.out = nil
		c.close(os.NewSyscallError("connect", err))
		return
	}
	c.connecting = false
	if lsa, err := syscall.Getsockname(c.fd); err == nil {
		c.local = sockaddrToTCP(lsa)
	}
	_ = c.l.ctl(syscall.EPOLL_CTL_MOD, c.fd, syscall.EPOLLIN|syscall.EPOLLRDHUP)
	c.l.e.h.OnOpen(c)
	if !c.closed && len(c.out) > 0 {
		out := c.out
		c.out = nil
		_ = c.Write(out)
	}
}

func rawRead(fd int, b []byte) (int, syscall.Errno) {
	return rawconn.Call(syscall.SYS_READ, uintptr(fd), b)
}

func rawWrite(fd int, b []byte) (int, syscall.Errno) {
	return rawconn.Call(syscall.SYS_WRITE, uintptr(fd), b)
}
