package outage

import (
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/sony/gobreaker/v2"
)

// network reports errors of the connection itself: refused, reset, closed
// under the reader, timed out, or a name that does not resolve (yet), as a
// container's does while it restarts.
func network(err error) bool {
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &opErr) || errors.As(err, &dnsErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}

// breakerOpen reports a circuit breaker that refuses calls to a failing peer.
func breakerOpen(err error) bool {
	return errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests)
}
