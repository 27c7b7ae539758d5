package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/eventshop/eventshop/gateway/internal/rawconn"
	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/pkg/problem"
)

// Server limits. The read timeout runs from a request's first byte to the
// end of its body, so a client that trickles its head or body (slowloris)
// is cut off; the idle timeout ends quiet keep-alive connections; the write
// timeout bounds a response to a client that does not read.
const (
	readTimeout    = 10 * time.Second
	writeTimeout   = 30 * time.Second
	idleTimeout    = 120 * time.Second
	maxHeaderBytes = 16 << 10 // request line and headers; above is 431
)

// newServer is the gateway's HTTP/1.1 server. Request bodies are streamed
// so that the handlers, not the server, check the body limit: a route's
// authentication and rate limit answer before its body size, as they did
// when the gateway ran on net/http.
func (g *Gateway) newServer() *fasthttp.Server {
	return &fasthttp.Server{
		Handler:                      g.serve,
		ErrorHandler:                 g.serverError,
		Logger:                       fasthttpLogger{g.log},
		ReadTimeout:                  readTimeout,
		WriteTimeout:                 writeTimeout,
		IdleTimeout:                  idleTimeout,
		ReadBufferSize:               maxHeaderBytes,
		MaxRequestBodySize:           int(g.cfg.BodyLimit),
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		NoDefaultServerHeader:        true,
		NoDefaultContentType:         true,
		CloseOnShutdown:              true,
	}
}

// Server is the gateway's HTTP server, for tests that serve it on their own
// listener: set its hooks (ConnState) before calling Serve, and shut it
// down through it.
func (g *Gateway) Server() *fasthttp.Server { return g.srv }

// serve sends a request for an upstream's route down the fast path and
// everything else to echo.
func (g *Gateway) serve(ctx *fasthttp.RequestCtx) {
	defer g.recoverPanic(ctx)
	path, err := requestPath(ctx)
	if err != nil {
		writeProblem(&ctx.Response, problem.BadRequest("malformed request path"))
		return
	}
	if rt := g.matcher.Match(b2s(ctx.Method()), path); rt != nil {
		g.serveProxied(ctx, rt, path)
		return
	}
	g.serveEcho(ctx)
}

// requestPath is the path as net/http's URL.Path has it: percent-decoded
// but not cleaned. Routes are matched on it, not on fasthttp's normalised
// Path, so that the route the gateway authorises is the one the upstream,
// which receives the raw target, routes.
func requestPath(ctx *fasthttp.RequestCtx) (string, error) {
	raw := ctx.URI().PathOriginal()
	for _, c := range raw {
		if c == '%' {
			return url.PathUnescape(string(raw))
		}
	}
	return b2s(raw), nil
}

// recoverPanic keeps a panic while serving one request from ending the
// process, as net/http's server did: it is logged, and the client gets a
// 500 and a closed connection.
func (g *Gateway) recoverPanic(ctx *fasthttp.RequestCtx) {
	r := recover()
	if r == nil {
		return
	}
	g.log.Error("panic serving a request", "panic", fmt.Sprint(r), "uri", string(ctx.RequestURI()))
	ctx.Response.Reset()
	ctx.SetConnectionClose()
	writeProblem(&ctx.Response, problem.New(http.StatusInternalServerError, "", ""))
}

// serverError answers a request the server could not read.
func (g *Gateway) serverError(ctx *fasthttp.RequestCtx, err error) {
	var small *fasthttp.ErrSmallBuffer
	var ne net.Error
	p := problem.BadRequest("malformed request")
	switch {
	case errors.As(err, &small):
		p = problem.New(http.StatusRequestHeaderFieldsTooLarge, "", fmt.Sprintf("request headers exceed %d bytes", maxHeaderBytes))
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		p = problem.TooLarge(fmt.Sprintf("request body exceeds %d bytes", g.cfg.BodyLimit))
	case errors.As(err, &ne) && ne.Timeout():
		p = problem.New(http.StatusRequestTimeout, "", "request not received in time")
	}
	ctx.Response.Reset()
	writeProblem(&ctx.Response, p)
}

// Serve serves on ln until the server shuts down. Its connections make
// raw system calls (see package rawconn).
func (g *Gateway) Serve(ln net.Listener) error {
	return g.srv.Serve(rawconn.Listener{Listener: ln})
}

// Run serves on addr until ctx is done, then shuts down gracefully: the
// listener closes at once, requests in flight finish (within
// httpserver.ShutdownTimeout) and idle connections are closed.
func (g *Gateway) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- g.Serve(ln) }()
	g.log.Info("gateway listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), httpserver.ShutdownTimeout)
	defer cancel()
	if err := g.srv.ShutdownWithContext(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// fasthttpLogger sends the server's own messages (connection errors) to
// the gateway's log at debug level: they are about clients, not the gateway.
type fasthttpLogger struct{ log *slog.Logger }

// Printf logs one server message.
func (l fasthttpLogger) Printf(format string, args ...any) {
	l.log.Debug("http server", "message", fmt.Sprintf(format, args...))
}
