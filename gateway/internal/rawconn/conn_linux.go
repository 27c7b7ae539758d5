package rawconn

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// Conn is a TCP connection with raw reads and writes. Its other methods
// (deadlines, addresses, SyscallConn) are the TCPConn's; Close and the
// other ways to write first send what a client connection holds. A Conn is
// for one reader and one writer at a time, as a net.Conn used by an HTTP
// server or client is.
type Conn struct {
	*net.TCPConn
	rc syscall.RawConn

	// The state of the read or write in flight, kept here so that the
	// functions handed to the RawConn are made once, not per call.
	rbuf, wbuf     []byte
	rn, wn         int
	rerrno, werrno syscall.Errno
	readFn         func(uintptr) bool
	writeFn        func(uintptr) bool

	// A client connection (see WrapClient) holds its writes back until
	// its next read, which sends them. out is what that read has still to
	// send, oerrno how sending failed.
	client bool
	held   []byte
	out    []byte
	oerrno syscall.Errno
}

// maxHeld bounds what a client connection holds back: a longer write
// sends what is held and goes out at once, as on any connection.
const maxHeld = 16 << 10

// Wrap returns c with raw reads and writes, or c itself when it is not a
// TCP connection.
func Wrap(c net.Conn) net.Conn { return wrap(c, false) }

// WrapClient is Wrap for the client end of a request-response protocol,
// such as a pooled connection to an HTTP/1.1 upstream, where every write
// is followed by a read of its answer. Its writes are held back until that
// read, which sends them and then waits in the poller without first trying
// a read that could only find nothing (see Conn.Read): one system call
// fewer per exchange. A Close sends what is still held. The connection is
// for one goroutine at a time, Close included; deadlines may be set from
// any.
//
// Only the end that speaks first may hold its writes: a server's read
// could otherwise wait for a pipelined request that had already arrived.
func WrapClient(c net.Conn) net.Conn { return wrap(c, true) }

func wrap(c net.Conn, client bool) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	rw := &Conn{TCPConn: tc, rc: rc, client: client}
	rw.readFn, rw.writeFn = rw.read, rw.write
	return rw
}

// Read reads into p, parking in the poller while nothing is there. On a
// client connection it first sends the held writes, inside the same
// RawConn.Read as the wait: the poller forgets earlier readiness when that
// call begins, so the answer, which can only arrive after the request is
// sent, wakes it, and the read is not tried until then. Were the request
// sent before the call began, an answer arriving in between could be
// forgotten and the read wait for ever.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.client {
		c.out, c.held = c.held, c.held[:0]
	}
	c.rbuf, c.rn, c.rerrno, c.oerrno = p, 0, 0, 0
	err := c.rc.Read(c.readFn)
	if err == nil && (len(c.out) > 0 || c.oerrno != 0) {
		// The socket's buffer filled, or sending failed: finish as a
		// Write would, then read as usual.
		err = c.finishOut()
		if err == nil {
			err = c.rc.Read(c.readFn)
		}
	}
	c.rbuf, c.out = nil, nil
	switch {
	case err != nil:
		return 0, err
	case c.rerrno != 0:
		return 0, c.opError("read", c.rerrno)
	case c.rn == 0:
		return 0, io.EOF
	}
	return c.rn, nil
}

func (c *Conn) finishOut() error {
	if c.oerrno != 0 {
		return c.opError("write", c.oerrno)
	}
	out := c.out
	c.out = nil // the read that follows must not send it again
	_, err := c.writeNow(out)
	return err
}

func (c *Conn) read(fd uintptr) bool {
	if len(c.out) > 0 {
		return c.send(fd)
	}
	n, errno := Call(syscall.SYS_READ, fd, c.rbuf)
	switch errno {
	case syscall.EAGAIN:
		return false
	case 0:
		c.rn = n
	default:
		c.rerrno = errno
	}
	return true
}

// send writes the held bytes from inside a read. It returns false, to
// wait for the answer, once all are sent; true, to end the read early, when
// the socket's buffer is full or the write failed.
func (c *Conn) send(fd uintptr) bool {
	for len(c.out) > 0 {
		n, errno := Call(syscall.SYS_WRITE, fd, c.out)
		switch errno {
		case 0:
			c.out = c.out[n:]
		case syscall.EAGAIN:
			return true
		default:
			c.oerrno = errno
			return true
		}
	}
	return false
}

// Write writes all of p, parking in the poller while the socket's buffer
// is full. A client connection holds p back instead, up to maxHeld bytes.
func (c *Conn) Write(p []byte) (int, error) {
	if !c.client {
		return c.writeNow(p)
	}
	if len(c.held)+len(p) > maxHeld {
		if err := c.sendHeld(); err != nil {
			return 0, err
		}
		if len(p) > maxHeld {
			return c.writeNow(p)
		}
	}
	c.held = append(c.held, p...)
	return len(p), nil
}

// sendHeld writes what a client connection holds now.
func (c *Conn) sendHeld() error {
	if !c.client || len(c.held) == 0 {
		return nil
	}
	held := c.held
	c.held = c.held[:0]
	_, err := c.writeNow(held)
	return err
}

// Close sends what is held, within the write deadline, and closes.
func (c *Conn) Close() error {
	_ = c.sendHeld()
	return c.TCPConn.Close()
}

// CloseWrite sends what is held and shuts down the writing side.
func (c *Conn) CloseWrite() error {
	if err := c.sendHeld(); err != nil {
		return err
	}
	return c.TCPConn.CloseWrite()
}

// ReadFrom copies r to the connection after what is held.
func (c *Conn) ReadFrom(r io.Reader) (int64, error) {
	if err := c.sendHeld(); err != nil {
		return 0, err
	}
	return c.TCPConn.ReadFrom(r)
}

// WriteTo copies the connection to w once what is held is sent.
func (c *Conn) WriteTo(w io.Writer) (int64, error) {
	if err := c.sendHeld(); err != nil {
		return 0, err
	}
	return c.TCPConn.WriteTo(w)
}

func (c *Conn) writeNow(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.wbuf, c.wn, c.werrno = p, 0, 0
	err := c.rc.Write(c.writeFn)
	n := c.wn
	c.wbuf = nil
	switch {
	case err != nil:
		return n, err
	case c.werrno != 0:
		return n, c.opError("write", c.werrno)
	}
	return n, nil
}

func (c *Conn) write(fd uintptr) bool {
	for c.wn < len(c.wbuf) {
		n, errno := Call(syscall.SYS_WRITE, fd, c.wbuf[c.wn:])
		switch errno {
		case syscall.EAGAIN:
			return false
		case 0:
			c.wn += n
		default:
			c.werrno = errno
			return true
		}
	}
	return true
}

// Call makes one raw read or write system call (trap) on fd with b, again
// when a signal interrupted it. On a non-blocking socket the call returns
// at once and needs none of the runtime's bookkeeping; the gateway's event
// loops use it too.
func Call(trap, fd uintptr, b []byte) (int, syscall.Errno) {
	if len(b) == 0 {
		return 0, 0
	}
	for {
		n, _, errno := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		if errno != syscall.EINTR {
			return int(n), errno
		}
	}
}

func (c *Conn) opError(op string, errno syscall.Errno) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.NewSyscallError(op, errno)}
}
