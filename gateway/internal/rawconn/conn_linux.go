package rawconn

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// Conn is a TCP connection with raw reads and writes. Its other methods
// (deadlines, addresses, Close, SyscallConn) are the TCPConn's. A Conn is
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
}

// Wrap returns c with raw reads and writes, or c itself when it is not a
// TCP connection.
func Wrap(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	rw := &Conn{TCPConn: tc, rc: rc}
	rw.readFn, rw.writeFn = rw.read, rw.write
	return rw
}

// Read reads into p, parking in the poller while nothing is there.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.rbuf, c.rn, c.rerrno = p, 0, 0
	err := c.rc.Read(c.readFn)
	c.rbuf = nil
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

func (c *Conn) read(fd uintptr) bool {
	n, errno := call(syscall.SYS_READ, fd, c.rbuf)
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

// Write writes all of p, parking in the poller while the socket's buffer
// is full.
func (c *Conn) Write(p []byte) (int, error) {
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
		n, errno := call(syscall.SYS_WRITE, fd, c.wbuf[c.wn:])
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

// call makes one raw read or write system call (trap) on fd with b, again
// when a signal interrupted it.
func call(trap, fd uintptr, b []byte) (int, syscall.Errno) {
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
