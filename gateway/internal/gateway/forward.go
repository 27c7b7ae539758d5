package gateway

import (
	"context"
	"errors"
	"log"
	"net/http"
	"net/http/httputil"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/gateway/internal/proxy"
	"github.com/eventshop/eventshop/gateway/internal/ratelimit"
	"github.com/eventshop/eventshop/gateway/internal/routes"
	"github.com/eventshop/eventshop/pkg/balancer"
	"github.com/eventshop/eventshop/pkg/problem"
)

// errUpstreamTimeout is the cause of a request the route's timeout ended.
var errUpstreamTimeout = errors.New("upstream timed out")

// outcome is what the breaker records for an upstream status: a 5xx
// fails, except 503. A service answers 503 (with Retry-After) at once when
// a dependency of its own is down (ADR 14): it is up and failing fast
// already, and opening its breaker would only refuse its other routes for
// the open timeout after the dependency is back.
func outcome(status int) error {
	if status >= 500 && status != http.StatusServiceUnavailable {
		return balancer.ErrUpstream
	}
	return nil
}

// exchangeKey is the context key of a forwarded request's exchange.
type exchangeKey struct{}

// exchange is what the hooks of a route's ReverseProxy need of one
// request: its echo context, its timeout and the proxy's error.
type exchange struct {
	c      echo.Context
	to     *balancer.Replica
	timer  *time.Timer
	failed error
	// traceparent goes upstream: the CLIENT span's, or the client's own.
	traceparent string
}

func exchangeOf(ctx context.Context) *exchange { return ctx.Value(exchangeKey{}).(*exchange) }

// proxyTo forwards a request to a replica of rt's upstream with
// httputil.ReverseProxy, through the replica's breaker (see send).
func (g *Gateway) proxyTo(rt *routes.Route) echo.HandlerFunc {
	rp, up := g.reverseProxy(rt), g.upstreams[rt.Upstream]
	return func(c echo.Context) error {
		err := up.Do(proxy.Replayable(c.Request()), func(to *balancer.Replica) error { return g.send(c, rt, rp, to) })
		switch {
		case err == nil || errors.Is(err, balancer.ErrUpstream):
			return nil // answered
		case errors.Is(err, errClientGone):
			return errClientGone
		}
		return g.upstreamError(c, rt, err)
	}
}

// send forwards the request to the replica to and returns what its
// breaker records: a 5xx, a timeout or an unreachable replica count as
// failures; a client that went away counts as nothing. The route's timeout
// runs until the answer's head, and on through a plain answer's body; an
// event stream (or a declared upgrade) is exempt from it and from the
// write deadline once it starts.
func (g *Gateway) send(c echo.Context, rt *routes.Route, rp *httputil.ReverseProxy, to *balancer.Replica) error {
	r := c.Request()
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	ctx, span, tp := g.startClient(ctx, rt.Upstream, r.Header)
	x := &exchange{c: c, to: to, timer: time.AfterFunc(rt.Timeout, func() { cancel(errUpstreamTimeout) }), traceparent: tp}
	defer x.timer.Stop()
	rp.ServeHTTP(c.Response(), r.WithContext(context.WithValue(ctx, exchangeKey{}, x)))
	if span != nil {
		setStatus(span, c.Response().Status)
		span.End()
	}
	switch {
	case r.Context().Err() != nil:
		return errClientGone
	case x.failed == nil:
		return outcome(c.Response().Status)
	case context.Cause(ctx) == errUpstreamTimeout:
		return errUpstreamTimeout
	}
	return x.failed
}

// reverseProxy is rt's ReverseProxy, built once; each request's state
// reaches its hooks through the request's context (see exchange).
func (g *Gateway) reverseProxy(rt *routes.Route) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Transport:  g.transport,
		BufferPool: g.buffers,
		Rewrite: func(pr *httputil.ProxyRequest) {
			x := exchangeOf(pr.In.Context())
			proxy.Rewrite(pr, x.to.URL, g.outgoing(x, rt))
		},
		ModifyResponse: func(res *http.Response) error {
			if !rt.Upgrade {
				if err := proxy.RefuseUpgrade(res); err != nil {
					return err
				}
			}
			x := exchangeOf(res.Request.Context())
			proxy.KeepEndToEnd(res)
			upstreamWins(x.c.Response().Header(), res.Header)
			if proxy.IsEventStream(res) || res.StatusCode == http.StatusSwitchingProtocols {
				x.timer.Stop()
				_ = http.NewResponseController(x.c.Response()).SetWriteDeadline(time.Time{})
			}
			return nil
		},
		ErrorHandler: func(_ http.ResponseWriter, r *http.Request, err error) { exchangeOf(r.Context()).failed = err },
		ErrorLog:     log.New(serverErrors{g.log}, "", 0),
	}
}

// outgoing is what the gateway adds to the request of exchange x.
func (g *Gateway) outgoing(x *exchange, rt *routes.Route) proxy.Outgoing {
	r, h := x.c.Request(), x.c.Response().Header()
	return proxy.Outgoing{
		RequestID:    h.Get(echo.HeaderXRequestID),
		Traceparent:  x.traceparent,
		ForwardedFor: ratelimit.ClientIP(r.RemoteAddr, r.Header.Get("X-Forwarded-For"), g.trusted),
		Upgrade:      rt.Upgrade,
	}
}

// upstreamError is the problem a client gets when rt's upstream failed.
func (g *Gateway) upstreamError(c echo.Context, rt *routes.Route, err error) error {
	name := rt.Upstream
	switch {
	case errors.Is(err, balancer.ErrOpen):
		retry := int(g.upstreams[name].RetryAfter().Round(time.Second) / time.Second)
		return problem.Unavailable(name+" is unavailable (circuit breaker open)", max(1, retry))
	case errors.Is(err, errUpstreamTimeout):
		return problem.New(http.StatusGatewayTimeout, "", name+" did not answer in time")
	}
	g.log.WarnContext(c.Request().Context(), "upstream failed", "upstream", name, "error", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	return problem.New(http.StatusBadGateway, "", name+" did not give a valid answer")
}
