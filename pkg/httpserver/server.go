// Package httpserver is the HTTP skeleton every service shares: echo with
// request ids, tracing, access logs, problem+json errors, health, readiness
// and metrics, and a graceful shutdown.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // registers the profiles served when PprofEnv is set
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// BodyLimit is the largest request body a service accepts.
const BodyLimit = "64K"

// ShutdownTimeout bounds how long in-flight requests may take after shutdown starts.
const ShutdownTimeout = 10 * time.Second

// Server is a service's HTTP server. Echo is exported so that ports register
// their routes on it.
type Server struct {
	Echo    *echo.Echo
	log     *slog.Logger
	mu      sync.Mutex
	checks  []readyCheck
	service string
	metrics *Registry
	// draining is closed when a graceful shutdown begins (Draining).
	draining  chan struct{}
	drainOnce sync.Once
}

type readyCheck struct {
	name  string
	check func(context.Context) error
}

// Option configures New.
type Option func(*Server)

// WithRegistry makes the server record its route metrics in reg and serve
// reg on /metrics. Without it the server makes a registry of its own.
func WithRegistry(reg *Registry) Option {
	return func(s *Server) { s.metrics = reg }
}

// New returns a server for service with the platform's middleware and the
// /healthz, /readyz and /metrics routes.
func New(log *slog.Logger, service string, opts ...Option) *Server {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	s := &Server{Echo: e, log: log, service: service, draining: make(chan struct{})}
	for _, opt := range opts {
		opt(s)
	}
	if s.metrics == nil {
		s.metrics = NewRegistry(service)
	}
	e.HTTPErrorHandler = ErrorHandler(log)
	e.Use(middleware.RequestID())
	e.Use(traced())
	e.Use(middleware.Recover())
	e.Use(middleware.BodyLimit(BodyLimit))
	e.Use(newRouteMetrics(s.metrics.Registerer()).middleware())
	e.Use(accessLog(log))
	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", s.ready)
	e.GET("/metrics", echo.WrapHandler(s.metrics.Handler()))
	if os.Getenv(strings.ToUpper(service)+PprofEnvSuffix) == "true" {
		e.GET("/debug/pprof/*", echo.WrapHandler(http.DefaultServeMux))
	}
	return s
}

// PprofEnvSuffix names, after the service's prefix (ORDER_PPROF), the
// environment variable that, set to "true", serves Go's profiles under
// /debug/pprof/ for performance work. Off by default: the profiles reveal
// internals and are not for production traffic.
const PprofEnvSuffix = "_PPROF"

// Starting adds a readiness check named "startup" that fails until the
// returned func is called, for a service that serves /healthz while it
// waits for its dependencies and prepares them (migrations, streams).
func (s *Server) Starting() (started func()) {
	var done atomic.Bool
	s.AddReadyCheck("startup", func(context.Context) error {
		if !done.Load() {
			return errStarting
		}
		return nil
	})
	return func() { done.Store(true) }
}

// errStarting is the startup check's answer until the service has started.
var errStarting = errors.New("starting: waiting for dependencies")

// AddReadyCheck adds a dependency that /readyz checks, such as a database ping.
func (s *Server) AddReadyCheck(name string, check func(context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks = append(s.checks, readyCheck{name, check})
}

func (s *Server) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	s.mu.Lock()
	checks := append([]readyCheck(nil), s.checks...)
	s.mu.Unlock()
	status := map[string]string{}
	code := http.StatusOK
	for _, rc := range checks {
		if err := rc.check(ctx); err != nil {
			status[rc.name] = err.Error()
			code = http.StatusServiceUnavailable
			continue
		}
		status[rc.name] = "ok"
	}
	return c.JSON(code, status)
}

// Draining is closed when the server begins a graceful shutdown. A
// long-lived response, such as an event stream, ends when it closes, so
// that the shutdown does not wait for it until ShutdownTimeout.
func (s *Server) Draining() <-chan struct{} { return s.draining }

// Run serves on addr until ctx is done, then shuts down gracefully.
func (s *Server) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened (tests use port 0).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Echo, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("http server listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.drainOnce.Do(func() { close(s.draining) })
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
