package gateway

import (
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/eventshop/eventshop/gateway/internal/admin"
	"github.com/eventshop/eventshop/gateway/internal/openapi"
	"github.com/eventshop/eventshop/gateway/internal/routes"
	"github.com/eventshop/eventshop/gateway/internal/web"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/pkg/problem"
)

// ownBodyLimit bounds the bodies of the routes the gateway answers itself.
const ownBodyLimit = 64 << 10

// initRouter builds echo: the route table's routes, each with its chain,
// then health, readiness, metrics and the web UI.
func (g *Gateway) initRouter(b *bus.Bus) error {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = httpserver.ErrorHandler(g.log)
	e.Pre(cleanPath)
	e.Use(middleware.Recover(), g.identify)
	if len(g.cfg.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  g.cfg.CORSOrigins,
			AllowHeaders:  []string{"Authorization", "Content-Type", "Idempotency-Key", "If-None-Match", "X-Request-Id"},
			ExposeHeaders: []string{corsExposed},
		}))
	}
	own, err := g.handlers(b)
	if err != nil {
		return err
	}
	table := routeTable(g.cfg)
	metrics := newRouteMetrics(table)
	for i := range table {
		rt := &table[i]
		h := own[rt.Method+" "+rt.Path]
		switch {
		case rt.Proxied():
			h = g.proxyTo(rt)
		case h == nil:
			return fmt.Errorf("no handler for %s %s", rt.Method, rt.Path)
		}
		e.Add(rt.Method, rt.Path, h, g.chain(rt, metrics[rt])...)
	}
	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", g.ready(b))
	e.GET("/metrics", echo.WrapHandler(promhttp.Handler()))
	web.Register(e.Group("", g.securityHeaders))
	g.echo = e
	return nil
}

// chain is the steps of rt after the request id: access log and metrics,
// authentication, the route's access, its rate limit and body limit, then
// for a proxied route the cache (when cacheable).
func (g *Gateway) chain(rt *routes.Route, m *routeMetrics) []echo.MiddlewareFunc {
	mw := []echo.MiddlewareFunc{g.observe(rt, m)}
	limit := g.cfg.BodyLimit
	if !rt.Proxied() {
		mw, limit = append(mw, g.securityHeaders), ownBodyLimit
	}
	mw = append(mw, g.authenticate, authorise(rt.Access), g.limit(rt.Class), bodyLimit(limit, g.cfg.Limits.BodyTimeout))
	if !rt.Proxied() {
		return mw
	}
	if rt.Cacheable && g.cache != nil {
		mw = append(mw, g.cached(rt))
	}
	return mw
}

// handlers maps "METHOD path" of every gateway-served route to its handler.
func (g *Gateway) handlers(b *bus.Bus) (map[string]echo.HandlerFunc, error) {
	doc, err := openapi.Document(routes.Table)
	if err != nil {
		return nil, err
	}
	noDLQ := admin.Unavailable("the dead-letter queue needs GATEWAY_NATS_URL")
	dlq := admin.DLQ{}
	if b != nil {
		dlq.DL = bus.NewDeadLetters(b)
	}
	pick := func(h echo.HandlerFunc) echo.HandlerFunc {
		if b == nil {
			return noDLQ
		}
		return h
	}
	return map[string]echo.HandlerFunc{
		"POST /api/v1/auth/token":            g.issueToken,
		"GET /api/v1/admin/dlq":              pick(dlq.List),
		"GET /api/v1/admin/dlq/:id":          pick(dlq.Get),
		"POST /api/v1/admin/dlq/:id/replay":  pick(dlq.Replay),
		"DELETE /api/v1/admin/dlq/:id":       pick(dlq.Discard),
		"GET /api/v1/admin/breakers":         admin.Breakers(g.upstreamList()),
		"GET /api/v1/schemas":                admin.SchemaList,
		"GET /api/v1/schemas/:type/:version": admin.Schema,
		"GET /api/v1/asyncapi.json":          admin.AsyncAPI,
		"GET /api/v1/openapi.json":           func(c echo.Context) error { return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, doc) },
	}, nil
}

// cleanPath makes the request's path the one every later step uses:
// routing, authorisation, the cache key and forwarding all see the
// percent-decoded path with its dot segments resolved, so that no step can
// read a path another step did not. A target with a fragment is refused:
// clients never send one, and parsers disagree on where it ends.
func cleanPath(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if strings.ContainsRune(r.RequestURI, '#') {
			return problem.BadRequest("the request target has a fragment")
		}
		p := r.URL.Path
		if p == "" && r.URL.Host != "" {
			p = "/" // absolute-form without a path
		}
		if !strings.HasPrefix(p, "/") {
			return problem.BadRequest("the request target is not a path")
		}
		r.URL.Path, r.URL.RawPath = path.Clean(p), ""
		return next(c)
	}
}
