package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/eventshop/eventshop/gateway/internal/breaker"
	"github.com/eventshop/eventshop/gateway/internal/proxy"
	"github.com/eventshop/eventshop/gateway/internal/ratelimit"
	"github.com/eventshop/eventshop/gateway/internal/routes"
	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/problem"
	"github.com/eventshop/eventshop/pkg/telemetry"
)

// statusClientGone is logged when the client left before an answer (nginx's 499).
const statusClientGone = 499

// exchange is one proxied request on its way through the fast path.
type exchange struct {
	ctx         *fasthttp.RequestCtx
	route       *routes.Route
	path        string // decoded request path, the problem's instance
	start       time.Time
	requestID   string
	traceparent string
	caller      auth.Identity
	rate        ratelimit.Decision
	peer        string // the client's address, resolved on first use
	cacheResult string
	// cancel aborts the upstream exchange when the client leaves; nil
	// when nothing watches the client.
	cancel *proxy.Cancel
}

// serveProxied handles a route an upstream owns without echo, off the
// event loop: the steps are the same as echo's middleware would take,
// minus the allocations.
func (g *Gateway) serveProxied(ctx *fasthttp.RequestCtx, rt *routes.Route, path string, cancel *proxy.Cancel) {
	x := newExchange(ctx, rt, path, time.Now())
	x.cancel = cancel
	status := g.handle(&x)
	g.observe(&x, status)
}

func newExchange(ctx *fasthttp.RequestCtx, rt *routes.Route, path string, start time.Time) exchange {
	x := exchange{ctx: ctx, route: rt, path: path, start: start}
	x.requestID = requestID(b2s(ctx.Request.Header.Peek("X-Request-Id")))
	x.traceparent = telemetry.Child(b2s(ctx.Request.Header.Peek(telemetry.Header)))
	return x
}

// admit runs the steps before the upstream: authentication, the route's
// access, the rate limit and the body limit. A refusal is answered and
// its status returned.
func (g *Gateway) admit(x *exchange) ([]byte, int) {
	id, p := g.authorize(x, x.route.Access)
	if p != nil {
		return nil, g.fail(x, p)
	}
	x.caller = id
	if x.rate, p = g.allow(x.route.Class, g.callerKey(x)); p != nil {
		return nil, g.fail(x, p)
	}
	body, p := readBody(x.ctx, g.cfg.BodyLimit)
	if p != nil {
		return nil, g.fail(x, p)
	}
	return body, 0
}

func (g *Gateway) handle(x *exchange) int {
	body, refused := g.admit(x)
	if refused != 0 {
		return refused
	}
	if g.cacheable(x) {
		return g.serveCached(x, body)
	}
	return g.forward(x, body)
}

// authorize verifies the bearer token, if any, and checks the route's access.
// A token verified before and not yet expired is taken from the token
// cache; the role check runs on every request either way.
func (g *Gateway) authorize(x *exchange, access routes.Access) (auth.Identity, *problem.Problem) {
	tok, present := auth.BearerToken(b2s(x.ctx.Request.Header.Peek("Authorization")))
	if !present {
		if access != routes.Anonymous {
			return auth.Identity{}, problem.Unauthorized("authentication required")
		}
		return auth.Identity{}, nil
	}
	if tok == "" || g.verifier == nil {
		return auth.Identity{}, problem.Unauthorized("invalid token")
	}
	id, err := g.verify(tok, x.start)
	if err != nil {
		return auth.Identity{}, problem.Unauthorized("invalid token")
	}
	allowed := access == routes.Anonymous || access == routes.Any ||
		(access == routes.Customer && id.IsCustomer()) || (access == routes.Admin && id.IsAdmin())
	if !allowed {
		return id, problem.Forbidden("role " + id.Role + " may not do this")
	}
	return id, nil
}

// verify returns the identity of a valid token, from the cache when it can.
// tok may view the request's memory: the cache and verifier get a copy.
func (g *Gateway) verify(tok string, now time.Time) (auth.Identity, error) {
	if id, ok := g.tokens.Get(tok, now); ok {
		return id, nil
	}
	tok = strings.Clone(tok)
	id, err := g.verifier.Verify(context.Background(), tok)
	if err != nil {
		return auth.Identity{}, err
	}
	g.tokens.Put(tok, id, now)
	return id, nil
}

// callerKey names the caller's rate-limit bucket: the token's subject, or
// the client address when anonymous.
func (g *Gateway) callerKey(x *exchange) string {
	if x.caller.Subject != "" {
		return "user:" + x.caller.Subject
	}
	xff := b2s(x.ctx.Request.Header.Peek("X-Forwarded-For"))
	return "ip:" + ratelimit.ClientIP(x.peerIP(), xff, g.trusted)
}

// peerIP is the address of the client's connection.
func (x *exchange) peerIP() string {
	if x.peer == "" {
		x.peer = x.ctx.RemoteIP().String()
	}
	return x.peer
}

// allow takes a token from caller's bucket of class; a denial is a 429 problem.
func (g *Gateway) allow(class routes.Class, caller string) (ratelimit.Decision, *problem.Problem) {
	d := g.limiter.Allow(string(class), caller)
	if d.Allowed {
		return d, nil
	}
	rateLimited.WithLabelValues(string(class)).Inc()
	p := problem.New(http.StatusTooManyRequests, "", "rate limit exceeded for "+string(class)+" requests")
	p.RetryAfter = max(1, int((d.RetryAfter+time.Second-1)/time.Second))
	return d, p
}

// forward proxies the request through the upstream's breaker and reads the
// answer into the client's response, waiting for it: the path of requests
// served off the event loop.
func (g *Gateway) forward(x *exchange, body []byte) int {
	done, err := g.breakers.Allow(x.route.Upstream)
	if err != nil {
		return g.upstreamError(x, err)
	}
	out := g.outgoing(x, body)
	err = g.proxy.Do(&x.ctx.Request, &x.ctx.Response, g.upstreams[x.route.Upstream], x.route.Timeout, &out, x.cancel)
	return g.forwarded(x, done, err)
}

// forwarded tells the breaker how the upstream did and completes the
// client's response.
func (g *Gateway) forwarded(x *exchange, done func(error), err error) int {
	if err != nil {
		done(err)
		return g.upstreamError(x, err)
	}
	status := x.ctx.Response.StatusCode()
	done(outcome(status))
	g.setHeaders(x, &x.ctx.Response.Header, upstreamSent(&x.ctx.Response.Header))
	return status
}

func (g *Gateway) outgoing(x *exchange, body []byte) proxy.Outgoing {
	return proxy.Outgoing{RequestID: x.requestID, Traceparent: x.traceparent, ClientIP: x.peerIP(), TLS: x.ctx.IsTLS(), Body: body}
}

// outcome is what the breaker records for an upstream status: only 5xx fail.
func outcome(status int) error {
	if status >= 500 {
		return breaker.ErrUpstream
	}
	return nil
}

func (g *Gateway) upstreamError(x *exchange, err error) int {
	name := x.route.Upstream
	switch {
	case errors.Is(err, proxy.ErrClientGone):
		x.ctx.Response.Reset()
		x.ctx.SetConnectionClose()
		return statusClientGone
	case errors.Is(err, breaker.ErrOpen):
		retry := int(g.breakers.RetryAfter().Round(time.Second) / time.Second)
		return g.fail(x, problem.Unavailable(name+" is unavailable (circuit breaker open)", max(1, retry)))
	case errors.Is(err, proxy.ErrTimeout):
		return g.fail(x, problem.New(http.StatusGatewayTimeout, "", name+" did not answer in time"))
	default:
		g.log.Warn("upstream unreachable", "upstream", name, "error", err, "request_id", x.requestID)
		return g.fail(x, problem.New(http.StatusBadGateway, "", name+" is unreachable"))
	}
}

// fail replaces whatever the response holds with the gateway's headers and p.
func (g *Gateway) fail(x *exchange, p *problem.Problem) int {
	resp := &x.ctx.Response
	resp.Reset()
	resp.Header.SetNoDefaultContentType(true)
	g.setHeaders(x, &resp.Header, 0)
	if p.Status == http.StatusUnauthorized {
		resp.Header.Set("Www-Authenticate", `Bearer realm="eventshop"`)
	}
	p.Instance = x.path
	p.RequestID = x.requestID
	writeProblem(resp, p)
	return p.Status
}

// observe records metrics and the access log line of a finished exchange.
func (g *Gateway) observe(x *exchange, status int) {
	elapsed := time.Since(x.start)
	g.metrics[x.route].observe(status, elapsed)
	if !g.cfg.AccessLog {
		return
	}
	g.log.LogAttrs(context.Background(), slog.LevelInfo, "http request",
		slog.String("method", string(x.ctx.Method())), slog.String("uri", string(x.ctx.RequestURI())), slog.Int("status", status),
		slog.Float64("latency_ms", float64(elapsed.Microseconds())/1000), slog.String("request_id", x.requestID),
		slog.String("trace_id", telemetry.TraceID(x.traceparent)), slog.String("upstream", x.route.Upstream),
		slog.String("user", x.caller.Subject), slog.String("cache", x.cacheResult))
}
