package httpserver

import (
	"context"
	"net"
)

// Background is a server serving in the background, started by Start.
type Background struct {
	stop context.CancelFunc
	done chan struct{} // closed when Serve returned; err is its result
	err  error
}

// Start serves on ln in the background until ctx is done or Stop is called.
// A service starts its server first, so that /healthz and /readyz answer
// while it still waits for its database and NATS (see Starting).
func (s *Server) Start(ctx context.Context, ln net.Listener) *Background {
	ctx, cancel := context.WithCancel(ctx)
	b := &Background{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		b.err = s.Serve(ctx, ln)
	}()
	return b
}

// Wait returns when the server has stopped: on its own, with Serve's error,
// or after a graceful shutdown once ctx is done.
func (b *Background) Wait(ctx context.Context) error {
	select {
	case <-b.done:
		return b.err
	case <-ctx.Done():
		return b.Stop()
	}
}

// Stop shuts the server down gracefully and returns Serve's result. It may
// be called more than once.
func (b *Background) Stop() error {
	b.stop()
	<-b.done
	return b.err
}
