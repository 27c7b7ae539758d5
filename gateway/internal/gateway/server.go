package gateway

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"

	"github.com/eventshop/eventshop/pkg/httpserver"
)

// maxHeaderBytes bounds a request's line and headers; net/http answers 431
// above it (plus its own 4 KiB of slack).
const maxHeaderBytes = 16 << 10

// newServer is the gateway's net/http server. The header timeout closes
// silent and trickling connections; there is no server-wide read or write
// timeout, because a stream must outlive any: the body limit step sets a
// read deadline for the body, and each answer gets a write deadline by
// its kind (see deadlines).
func (g *Gateway) newServer() *http.Server {
	l := g.cfg.Limits
	return &http.Server{
		Handler:           g,
		ReadHeaderTimeout: orDefault(l.ReadHeaderTimeout, defaultReadHeaderTimeout),
		IdleTimeout:       orDefault(l.IdleTimeout, defaultIdleTimeout),
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          log.New(serverErrors{g.log}, "", 0),
	}
}

// serverErrors sends net/http's own complaints (TLS handshakes, accept
// errors, handler panics) to the gateway's log at debug level: a hostile
// client must not be able to fill the log.
type serverErrors struct{ log *slog.Logger }

func (s serverErrors) Write(p []byte) (int, error) {
	s.log.Debug("http server", "error", string(p))
	return len(p), nil
}

// ServeHTTP counts the request in flight and hands it to the router.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.inFlight.Add(1)
	defer g.inFlight.Add(-1)
	g.echo.ServeHTTP(w, r)
}

// TLS reports whether the gateway serves HTTPS.
func (g *Gateway) TLS() bool { return g.cfg.TLSCertFile != "" && g.cfg.TLSKeyFile != "" }

// ListenAndServe serves on addr until Shutdown: HTTPS with HTTP/2 when a
// certificate is configured, plain HTTP/1.1 otherwise.
func (g *Gateway) ListenAndServe(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	close(g.started)
	if g.TLS() {
		err = g.srv.ServeTLS(ln, g.cfg.TLSCertFile, g.cfg.TLSKeyFile)
	} else {
		err = g.srv.Serve(ln)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Started is closed once the gateway listens.
func (g *Gateway) Started() <-chan struct{} { return g.started }

// Shutdown stops the gateway gracefully: no new connections, idle ones
// closed, requests in flight answered, within ctx.
func (g *Gateway) Shutdown(ctx context.Context) error { return g.srv.Shutdown(ctx) }

// InFlight is the number of requests being answered.
func (g *Gateway) InFlight() int { return int(g.inFlight.Load()) }

// Run serves on addr until ctx is done, then shuts down gracefully within
// httpserver.ShutdownTimeout.
func (g *Gateway) Run(ctx context.Context, addr string) error {
	errc := make(chan error, 1)
	go func() { errc <- g.ListenAndServe(addr) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-g.Started():
	}
	g.log.Info("gateway listening", "addr", addr, "tls", g.TLS())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), httpserver.ShutdownTimeout)
	defer cancel()
	if err := g.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	<-errc
	return nil
}
