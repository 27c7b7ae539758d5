package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/eventshop/eventshop/gateway/internal/evhttp"
	"github.com/eventshop/eventshop/gateway/internal/proxy"
	"github.com/eventshop/eventshop/gateway/internal/routes"
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

// newServer is the gateway's HTTP/1.1 server, on event loops, one
// per P (evloop.DefaultLoops). Its body limit is a ceiling above every route's: the routes check
// their own limit after authentication and the rate limit, so that those
// answer first.
func (g *Gateway) newServer(o Options) *evhttp.Server {
	s := &evhttp.Server{
		Handler:        g,
		MaxHeaderBytes: maxHeaderBytes,
		MaxBodyBytes:   int(max(g.cfg.BodyLimit, echoBodyLimit)) + 1,
		ReadTimeout:    readTimeout,
		WriteTimeout:   writeTimeout,
		IdleTimeout:    idleTimeout,
		Reject:         g.reject,
		Tick:           g.proxy.Expire,
		Log:            g.log,
	}
	if o.ReadTimeout > 0 {
		s.ReadTimeout = o.ReadTimeout
	}
	return s
}

// ServeEvent handles a request on its connection's event loop. A route an
// upstream owns over plain HTTP runs there to the end, the exchange with
// the upstream included (see serveOnLoop), and so does a catalogue request
// the cache holds. A cache miss, upstreams over TLS and the gateway's own
// routes wait on other things (the cache's single flight, a TLS handshake,
// echo's handlers), so they run on a goroutine and answer from there.
func (g *Gateway) ServeEvent(ev *evhttp.Exchange) {
	defer g.recoverOnLoop(ev)
	ctx := &ev.Ctx
	path, err := requestPath(ctx)
	if err != nil {
		writeProblem(&ctx.Response, problem.BadRequest("malformed request path"))
		ev.Finish()
		return
	}
	rt := g.matcher.Match(b2s(ctx.Method()), path)
	if rt != nil && g.onLoop(rt) {
		g.serveOnLoop(ev, rt, path)
		return
	}
	cancel := new(proxy.Cancel)
	ev.OnGone(cancel.Cancel)
	go func() {
		g.serveOffLoop(ctx, rt, path, cancel)
		ev.FinishAsync()
	}()
}

// onLoop reports whether rt's requests can be served on the event loop:
// those of plain-HTTP upstreams. A cache miss leaves the loop for its fill.
func (g *Gateway) onLoop(rt *routes.Route) bool { return g.upstreams[rt.Upstream].Loopable() }

// serveOffLoop serves a request on a goroutine: a proxied route (rt not
// nil) down the waiting path, anything else through echo.
func (g *Gateway) serveOffLoop(ctx *fasthttp.RequestCtx, rt *routes.Route, path string, cancel *proxy.Cancel) {
	defer g.recoverPanic(ctx)
	if rt != nil {
		g.serveProxied(ctx, rt, path, cancel)
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
	if r := recover(); r != nil {
		g.panicked(ctx, r)
	}
}

// recoverOnLoop is recoverPanic for a request served on the event loop,
// which it also finishes.
func (g *Gateway) recoverOnLoop(ev *evhttp.Exchange) {
	if r := recover(); r != nil {
		g.panicked(&ev.Ctx, r)
		ev.Finish()
	}
}

func (g *Gateway) panicked(ctx *fasthttp.RequestCtx, r any) {
	g.log.Error("panic serving a request", "panic", fmt.Sprint(r), "uri", string(ctx.RequestURI()))
	ctx.Response.Reset()
	ctx.SetConnectionClose()
	writeProblem(&ctx.Response, problem.New(http.StatusInternalServerError, "", ""))
}

// reject answers a request the server refuses to read further.
func (g *Gateway) reject(status int, resp *fasthttp.Response) {
	p := problem.BadRequest("malformed request")
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		p = problem.New(status, "", fmt.Sprintf("request headers exceed %d bytes", maxHeaderBytes))
	case http.StatusRequestEntityTooLarge:
		p = problem.TooLarge(fmt.Sprintf("request body exceeds %d bytes", g.cfg.BodyLimit))
	}
	writeProblem(resp, p)
}

// ListenAndServe serves on addr until Shutdown.
func (g *Gateway) ListenAndServe(addr string) error { return g.srv.ListenAndServe(addr) }

// Started is closed once the gateway listens.
func (g *Gateway) Started() <-chan struct{} { return g.srv.Started() }

// Shutdown stops the gateway gracefully: no new connections, idle ones
// closed, requests in flight answered, within ctx.
func (g *Gateway) Shutdown(ctx context.Context) error { return g.srv.Shutdown(ctx) }

// InFlight is the number of requests being answered.
func (g *Gateway) InFlight() int { return g.srv.InFlight() }

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
	g.log.Info("gateway listening", "addr", addr)
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
