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
// sooner, and a watch costs a goroutine, so fast exchanges never pay it.
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
	cancel     proxy.Cancel
	conn       net.Conn
	since      time.Time
	prev, next *clientWatch // in the watchers' list while in flight
	started    bool         // a goroutine runs run; guarded by the watchers' lock
	running    sync.WaitGroup
	mu         sync.Mutex
	stopped    bool
}

// idleTicks is how many looks in a row must find no exchange in flight
// before the loop stops ticking: a second, so that steady traffic never
// pays for waking it, and an idle gateway does not wake 40 times a second.
const idleTicks = int(time.Second / (watchDelay / 2))

// watchers keeps the exchanges in flight and starts the watch of those
// that outlast watchDelay. One goroutine looks at them twice per delay, so
// an exchange costs two list operations rather than a timer, whose arming
// can wake the runtime's network poller on every request. When nothing has
// been in flight for idleTicks looks, the goroutine sleeps until the next
// exchange registers.
type watchers struct {
	mu       sync.Mutex
	head     clientWatch // sentinel of a circular list
	sleeping bool        // the loop waits on wake; guarded by mu
	wake     chan struct{}
	pool     sync.Pool
	done     chan struct{}
}

func newWatchers() *watchers {
	ws := &watchers{done: make(chan struct{}), wake: make(chan struct{}, 1)}
	ws.head.prev, ws.head.next = &ws.head, &ws.head
	ws.pool.New = func() any { return &clientWatch{} }
	go ws.loop()
	return ws
}

// close stops the loop; watches in flight end with their exchanges.
func (ws *watchers) close() { close(ws.done) }

func (ws *watchers) loop() {
	t := time.NewTicker(watchDelay / 2)
	defer t.Stop()
	quiet := 0
	for {
		select {
		case <-ws.done:
			return
		case now := <-t.C:
			if ws.startDue(now) {
				quiet = 0
				continue
			}
			if quiet++; quiet < idleTicks || !ws.sleep() {
				continue
			}
			t.Stop()
			select {
			case <-ws.done:
				return
			case <-ws.wake:
			}
			quiet = 0
			t.Reset(watchDelay / 2)
		}
	}
}

// startDue starts the watch of every exchange in flight for watchDelay,
// and reports whether any exchange was in flight.
func (ws *watchers) startDue(now time.Time) bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	for w := ws.head.next; w != &ws.head; w = w.next {
		if !w.started && now.Sub(w.since) >= watchDelay {
			w.started = true
			w.running.Add(1)
			go w.run()
		}
	}
	return ws.head.next != &ws.head
}

// sleep marks the loop asleep if nothing is in flight, and reports whether
// it did; the next watch then wakes it.
func (ws *watchers) sleep() bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.sleeping = ws.head.next == &ws.head
	return ws.sleeping
}

// watch registers an exchange on conn that began at since.
func (ws *watchers) watch(conn net.Conn, since time.Time) *clientWatch {
	w := ws.pool.Get().(*clientWatch)
	w.conn, w.since, w.started, w.stopped = conn, since, false, false
	w.cancel.Reset()
	ws.mu.Lock()
	w.prev, w.next = ws.head.prev, &ws.head
	ws.head.prev.next = w
	ws.head.prev = w
	wake := ws.sleeping
	ws.sleeping = false
	ws.mu.Unlock()
	if wake {
		ws.wake <- struct{}{} // never blocks: one send per sleep, into a buffer of one
	}
	return w
}

// stop ends w's watch, waiting for it if it began, and recycles w.
func (ws *watchers) stop(w *clientWatch) {
	ws.mu.Lock()
	w.prev.next, w.next.prev = w.next, w.prev
	w.prev, w.next = nil, nil
	started := w.started
	ws.mu.Unlock()
	if started {
		w.mu.Lock()
		w.stopped = true
		_ = w.conn.SetReadDeadline(longAgo)
		w.mu.Unlock()
		w.running.Wait()
		_ = w.conn.SetReadDeadline(time.Time{})
	}
	w.conn = nil
	ws.pool.Put(w)
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
