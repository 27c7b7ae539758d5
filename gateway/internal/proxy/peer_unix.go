//go:build unix

package proxy

import (
	"errors"
	"syscall"
)

// PeerClosed reports whether the peer of sc closed the connection, by
// peeking at it. With wait it blocks, in the runtime's poller, until the
// connection is readable (or its read deadline passes, which reports
// false); otherwise it looks once. Data waiting to be read counts as open.
func PeerClosed(sc syscall.Conn, wait bool) bool {
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	closed := false
	var buf [1]byte
	_ = rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
			return !wait
		}
		closed = n <= 0
		return true
	})
	return closed
}
