package gateway

import (
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/eventshop/eventshop/gateway/internal/proxy"
)

// watchDelay is how long an exchange runs before the gateway starts
// watching the client's connection for a close. Nearly every answer comes
// sooner, and the watch costs a goroutine, so fast exchanges never pay it.
const watchDelay = 50 * time.Millisecond

// longAgo is a deadline in the past, which makes a pending read fail at once.
var longAgo = time.Unix(1, 0)

// clientWatch cancels an upstream exchange when the client closes its
// connection meanwhile, the way net/http's background read cancelled a
// request's context, so that a client that gives up frees the gateway at
// once and is not counted against the upstream's breaker. fasthttp does not
// read from a connection while its handler runs, so the watch peeks at the
// socket itself.
type clientWatch struct {
	cancel  proxy.Cancel
	conn    net.Conn
	timer   *time.Timer
	running sync.WaitGroup
	mu      sync.Mutex
	stopped bool
}

var watches = sync.Pool{New: func() any {
	w := &clientWatch{}
	w.timer = time.AfterFunc(time.Hour, w.run)
	w.timer.Stop()
	return w
}}

// watchClient arms a watch of conn that begins after watchDelay.
func watchClient(conn net.Conn) *clientWatch {
	w := watches.Get().(*clientWatch)
	w.conn, w.stopped = conn, false
	w.cancel.Reset()
	w.running.Add(1)
	w.timer.Reset(watchDelay)
	return w
}

// run waits, in the runtime's poller, until the client's connection is
// readable, and cancels the exchange if that is because it closed.
func (w *clientWatch) run() {
	defer w.running.Done()
	sc, ok := w.conn.(syscall.Conn)
	w.mu.Lock()
	if w.stopped || !ok {
		w.mu.Unlock()
		return
	}
	// The server's read timeout runs from the request's first byte; the
	// upstream may take longer. The server sets its own deadline again
	// before it reads the next request.
	_ = w.conn.SetReadDeadline(time.Time{})
	w.mu.Unlock()
	if proxy.PeerClosed(sc, true) {
		w.cancel.Cancel()
	}
}

// stop ends the watch, waiting for it if it began, and recycles w.
func (w *clientWatch) stop() {
	if w.timer.Stop() {
		w.running.Done()
	} else {
		w.mu.Lock()
		w.stopped = true
		_ = w.conn.SetReadDeadline(longAgo)
		w.mu.Unlock()
		w.running.Wait()
		_ = w.conn.SetReadDeadline(time.Time{})
	}
	w.conn = nil
	watches.Put(w)
}
