package proxy

import (
	"net"
	"sync"
	"time"
)

// longAgo is a deadline in the past, which makes pending I/O fail at once.
var longAgo = time.Unix(1, 0)

// Cancel aborts an exchange from another goroutine: the gateway calls it
// when the client closed its connection while the upstream was still
// working. The zero value is ready; a nil *Cancel is never cancelled.
type Cancel struct {
	mu        sync.Mutex
	conn      net.Conn // the upstream connection of the exchange in flight
	cancelled bool
}

// Cancel marks the exchange cancelled and aborts its pending I/O at once.
func (c *Cancel) Cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancelled = true
	if c.conn != nil {
		_ = c.conn.SetDeadline(longAgo)
	}
}

// Cancelled reports whether Cancel was called.
func (c *Cancel) Cancelled() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cancelled
}

// Reset makes c ready for another exchange.
func (c *Cancel) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn, c.cancelled = nil, false
}

// attach makes conn the one Cancel aborts; false if already cancelled.
func (c *Cancel) attach(conn net.Conn) bool {
	if c == nil {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn = conn
	return !c.cancelled
}

// detach ends the exchange: Cancel no longer touches the connection, which
// can go back to the pool.
func (c *Cancel) detach() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn = nil
}
