// Package evloop runs event loops the way nginx runs its workers, inside a
// Go program.
//
// Each loop owns an epoll instance and the connections registered in it,
// and its goroutine waits in epoll_wait in the kernel while events come:
// a raw system call, so the runtime neither hands the loop's P to another
// thread nor wakes the loop itself, and the kernel wakes the loop's thread
// straight from the one that wrote to its socket. Each loop therefore
// holds a P while it waits, and Listen adds one P per loop. A loop idle
// for a few milliseconds parks in the runtime's poller instead, so that an
// idle program stays idle. Reads and writes are raw system calls on
// non-blocking sockets, and a busy loop handles every ready connection of
// a wait before it waits again.
//
// A connection's events run on its loop's goroutine, one at a time; other
// goroutines reach a loop with Execute.
//
// Elsewhere than on Linux the same API runs on the standard library's
// connections, a goroutine reading each, with every handler call of a loop
// under the loop's lock: correct and portable, not fast. The build tag
// evloop_portable selects it on Linux too, which is how its tests run.
package evloop

import (
	"errors"
	"syscall"
	"time"
)

// Handler receives a loop's connection events, on the loop.
type Handler interface {
	OnOpen(c *Conn)
	OnTraffic(c *Conn)
	OnClose(c *Conn, err error)
}

// ErrStopped is returned by Execute on a stopped loop.
var ErrStopped = errors.New("evloop: stopped")

// AcceptErrorHandler is implemented by a Handler that wants to hear of an
// accept that failed for want of descriptors or memory. The listener stays
// open, and the accept is tried again after retry.
type AcceptErrorHandler interface {
	OnAcceptError(err error, retry time.Duration)
}

// acceptRetryable reports whether a failed accept may succeed once the
// process frees descriptors or memory. The connection waits in the
// listener's queue meanwhile.
func acceptRetryable(err error) bool {
	for _, e := range [...]syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// nextAcceptPause is the pause before an accept is tried again after
// another retryable failure: 5 ms, doubling up to a second, as net/http's
// server waits.
func nextAcceptPause(d time.Duration) time.Duration {
	if d == 0 {
		return 5 * time.Millisecond
	}
	return min(2*d, time.Second)
}

// reportAcceptError tells h of a retried accept, if it wants to know.
func reportAcceptError(h Handler, err error, retry time.Duration) {
	if r, ok := h.(AcceptErrorHandler); ok {
		r.OnAcceptError(err, retry)
	}
}
