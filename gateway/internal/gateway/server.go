package gateway

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/eventshop/eventshop/gateway/internal/admin"
	"github.com/eventshop/eventshop/gateway/internal/openapi"
	"github.com/eventshop/eventshop/gateway/internal/ratelimit"
	"github.com/eventshop/eventshop/gateway/internal/routes"
	"github.com/eventshop/eventshop/gateway/internal/web"
	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/httpserver"
)

// initServer builds the echo server for the routes the gateway answers itself.
func (g *Gateway) initServer(b *bus.Bus) error {
	g.server = httpserver.New(g.log, "gateway")
	e := g.server.Echo
	e.Use(g.echoSecurityHeaders)
	if len(g.cfg.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  g.cfg.CORSOrigins,
			AllowHeaders:  []string{"Authorization", "Content-Type", "Idempotency-Key", "If-None-Match", "X-Request-Id"},
			ExposeHeaders: []string{corsExposed},
		}))
	}
	handlers, err := g.handlers(b)
	if err != nil {
		return err
	}
	for _, rt := range routes.Table {
		if rt.Proxied() {
			continue
		}
		h, ok := handlers[rt.Method+" "+rt.Path]
		if !ok {
			return fmt.Errorf("no handler for %s %s", rt.Method, rt.Path)
		}
		e.Add(rt.Method, rt.Path, h, g.routeMiddleware(rt)...)
	}
	web.Register(e)
	g.addReadyChecks(b)
	g.echo = fasthttpadaptor.NewFastHTTPHandler(e)
	return nil
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
		"GET /api/v1/admin/breakers":         admin.Breakers(g.breakers, g.serviceURLs()),
		"GET /api/v1/schemas":                admin.SchemaList,
		"GET /api/v1/schemas/:type/:version": admin.Schema,
		"GET /api/v1/asyncapi.json":          admin.AsyncAPI,
		"GET /api/v1/openapi.json":           func(c echo.Context) error { return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, doc) },
	}, nil
}

// routeMiddleware is auth, the route's access requirement and its rate class,
// the same steps the fast path takes for proxied routes.
func (g *Gateway) routeMiddleware(rt routes.Route) []echo.MiddlewareFunc {
	var mw []echo.MiddlewareFunc
	if g.verifier != nil {
		mw = append(mw, auth.Middleware(g.verifier))
	}
	switch rt.Access {
	case routes.Customer:
		mw = append(mw, auth.RequireCustomer())
	case routes.Admin:
		mw = append(mw, auth.RequireAdmin())
	case routes.Any:
		mw = append(mw, auth.RequireAny())
	}
	return append(mw, g.echoLimit(rt.Class))
}

func (g *Gateway) echoLimit(class routes.Class) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			id, _ := auth.FromContext(r.Context())
			caller := "user:" + id.Subject
			if id.Subject == "" {
				caller = "ip:" + ratelimit.ClientIP(r.RemoteAddr, r.Header.Get("X-Forwarded-For"), g.trusted)
			}
			d, p := g.allow(class, caller)
			ratelimit.SetHeaders(c.Response().Header(), d)
			if p != nil {
				return p
			}
			return next(c)
		}
	}
}

func (g *Gateway) echoSecurityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		g.setSecurityHeaders(c.Response().Header(), c.Request())
		return next(c)
	}
}

// addReadyChecks makes /readyz check every upstream's /healthz and NATS.
func (g *Gateway) addReadyChecks(b *bus.Bus) {
	client := &http.Client{Timeout: time.Second}
	for _, name := range routes.Upstreams {
		url := g.upstreamBase(name) + "/healthz"
		g.server.AddReadyCheck(name, func(ctx context.Context) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			resp, err := client.Do(req)
			if err != nil {
				return fmt.Errorf("unreachable: %w", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("healthz status %d", resp.StatusCode)
			}
			return nil
		})
	}
	if b != nil {
		g.server.AddReadyCheck("nats", b.Ready)
	}
}

func (g *Gateway) upstreamBase(name string) string {
	return map[string]string{
		routes.Order: g.cfg.OrderURL, routes.Inventory: g.cfg.InventoryURL,
		routes.Payment: g.cfg.PaymentURL, routes.Notification: g.cfg.NotificationURL,
	}[name]
}
