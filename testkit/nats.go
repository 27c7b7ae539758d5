package testkit

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// natsReadyTimeout bounds how long a starting server may take to accept
// clients; a loaded two-core machine can be slow to recover a store.
const natsReadyTimeout = 30 * time.Second

// NATSServer is an embedded NATS server with JetStream enabled, as in
// nats-server's own tests. It keeps its store directory and port across
// Stop and Start, so a restart looks to clients like a server coming back.
type NATSServer struct {
	mu   sync.Mutex
	opts server.Options
	srv  *server.Server
}

// NATS starts a JetStream server on a random local port with its store in
// t.TempDir(); it is shut down when the test ends.
func NATS(t testing.TB) *NATSServer {
	t.Helper()
	n := &NATSServer{opts: server.Options{
		Host:                  "127.0.0.1",
		Port:                  server.RANDOM_PORT,
		NoLog:                 true,
		NoSigs:                true,
		MaxControlLine:        4096,
		DisableShortFirstPing: true,
		JetStream:             true,
		StoreDir:              t.TempDir(),
	}}
	n.Start(t)
	t.Cleanup(n.Stop)
	return n
}

// URL returns the client URL, nats://127.0.0.1:<port>.
func (n *NATSServer) URL() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return fmt.Sprintf("nats://%s:%d", n.opts.Host, n.opts.Port)
}

// Server returns the running server, or nil while stopped.
func (n *NATSServer) Server() *server.Server {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.srv
}

// Start starts the server again after Stop, on the same port and store.
// It does nothing while the server runs.
func (n *NATSServer) Start(t testing.TB) {
	t.Helper()
	if err := n.start(); err != nil {
		t.Fatalf("testkit: start nats: %v", err)
	}
}

// Restart stops the server and starts it again on the same port and store.
func (n *NATSServer) Restart(t testing.TB) {
	t.Helper()
	n.Stop()
	n.Start(t)
}

// Stop shuts the server down and waits until it is gone. It does nothing
// while the server is stopped.
func (n *NATSServer) Stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.srv == nil {
		return
	}
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
	n.srv = nil
}

func (n *NATSServer) start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.srv != nil {
		return nil
	}
	opts := n.opts // the server keeps and rewrites the options it is given
	srv, err := server.NewServer(&opts)
	if err != nil {
		return fmt.Errorf("new server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(natsReadyTimeout) {
		srv.Shutdown()
		return fmt.Errorf("not ready for connections within %s", natsReadyTimeout)
	}
	addr, ok := srv.Addr().(*net.TCPAddr)
	if !ok {
		srv.Shutdown()
		return fmt.Errorf("unexpected listen address %v", srv.Addr())
	}
	n.opts.Port = addr.Port // later starts reuse the port so clients reconnect
	n.srv = srv
	return nil
}
