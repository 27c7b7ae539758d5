// Package rawconn gives the gateway TCP connections whose reads and writes
// skip the Go runtime's system-call bookkeeping.
//
// A read or write on a non-blocking socket returns within microseconds, but
// net.Conn makes it as a blocking system call: the runtime marks the
// goroutine's processor as in a system call, and the monitor thread, which
// wakes every 20 µs while that happens, hands the processor to another
// thread when the call outlasts a tick. On loopback a write does the
// receiver's TCP work too and often does outlast it, so under load the
// gateway paid for a thread hand-off, a futex wake and a monitor spinning
// at its shortest sleep on many requests. These connections make the same
// calls as raw system calls through the connection's syscall.RawConn,
// which keeps the runtime's poller, deadlines and close semantics: a call
// that would block parks the goroutine in the poller as before.
//
// The client end of a request-response exchange (WrapClient) also saves
// the read that would find nothing: its request goes out with the read
// that waits for the answer.
//
// Elsewhere than on Linux, Wrap and WrapClient leave connections as they
// are.
package rawconn

import "net"

// Listener accepts connections with raw reads and writes.
type Listener struct{ net.Listener }

// Accept waits for the next connection and wraps it.
func (l Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return Wrap(c), nil
}
