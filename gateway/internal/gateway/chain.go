package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/gateway/internal/ratelimit"
	"github.com/eventshop/eventshop/gateway/internal/routes"
	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/problem"
)

// Defaults of config.Limits, for a configuration built in code.
const (
	defaultReadHeaderTimeout = 10 * time.Second
	defaultBodyTimeout       = 10 * time.Second
	defaultWriteTimeout      = 30 * time.Second
	defaultIdleTimeout       = 120 * time.Second
)

// statusClientGone is logged when the client left before an answer (nginx's 499).
const statusClientGone = 499

// errClientGone ends a request whose client went away; it wraps
// context.Canceled, which no breaker counts.
var errClientGone = fmt.Errorf("client went away: %w", context.Canceled)

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// identify gives the request its id, its SERVER span when tracing (see
// serve), the headers every answer carries, and the write deadline of a
// plain answer (a stream clears it).
func (g *Gateway) identify(next echo.HandlerFunc) echo.HandlerFunc {
	wt := orDefault(g.cfg.Limits.WriteTimeout, defaultWriteTimeout)
	return func(c echo.Context) error {
		r, h := c.Request(), c.Response().Header()
		_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(wt))
		h.Set(echo.HeaderXRequestID, requestID(r.Header.Get(echo.HeaderXRequestID)))
		h.Set("X-Content-Type-Options", "nosniff")
		if g.tracer != nil {
			return g.serve(c, next)
		}
		return next(c)
	}
}

// observe records the route's metrics and access log line; it renders an
// error itself so that both see the status the client got. The latency
// series is resolved once; the status series is looked up per request,
// which measured no slower than keeping one per status.
func (g *Gateway) observe(rt *routes.Route) echo.MiddlewareFunc {
	lat := latency.WithLabelValues(rt.Path, rt.Method)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			status := c.Response().Status
			switch {
			case errors.Is(err, errClientGone):
				status = statusClientGone
			case err != nil:
				c.Error(err)
				status = c.Response().Status
			}
			elapsed := time.Since(start)
			lat.Observe(elapsed.Seconds())
			requests.WithLabelValues(rt.Path, rt.Method, strconv.Itoa(status)).Inc()
			if g.cfg.AccessLog {
				g.accessLog(c, rt, status, elapsed)
			}
			return nil
		}
	}
}

func (g *Gateway) accessLog(c echo.Context, rt *routes.Route, status int, elapsed time.Duration) {
	r, h := c.Request(), c.Response().Header()
	id, _ := auth.FromContext(r.Context())
	attrs := []slog.Attr{
		slog.String("method", r.Method), slog.String("uri", r.RequestURI), slog.Int("status", status),
		slog.Float64("latency_ms", float64(elapsed.Microseconds())/1000), slog.String("request_id", h.Get(echo.HeaderXRequestID)),
		slog.String("upstream", rt.Upstream), slog.String("user", id.Subject), slog.String("cache", h.Get("X-Cache")),
	}
	if tid := traceID(r); tid != "" {
		attrs = append(attrs, slog.String("trace_id", tid))
	}
	g.log.LogAttrs(r.Context(), slog.LevelInfo, "http request", attrs...)
}

// authenticate verifies the bearer token, when the request has one, and
// puts its identity in the request's context; an invalid token is a 401
// whatever the route.
func (g *Gateway) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		tok, present := auth.BearerToken(r.Header.Get(echo.HeaderAuthorization))
		if !present {
			return next(c)
		}
		if tok == "" || g.verifier == nil {
			return unauthorized(c, "invalid token")
		}
		id, err := g.verify(r.Context(), tok)
		if err != nil {
			return unauthorized(c, "invalid token")
		}
		c.SetRequest(r.WithContext(auth.WithIdentity(r.Context(), id)))
		return next(c)
	}
}

func unauthorized(c echo.Context, detail string) error {
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="eventshop"`)
	return problem.Unauthorized(detail)
}

// verify returns the identity of a valid token, from the cache when it can.
func (g *Gateway) verify(ctx context.Context, tok string) (auth.Identity, error) {
	now := g.now()
	if id, ok := g.tokens.Get(tok, now); ok {
		return id, nil
	}
	id, err := g.verifier.Verify(ctx, tok)
	if err != nil {
		return auth.Identity{}, err
	}
	g.tokens.Put(tok, id, now)
	return id, nil
}

// authorise lets through the callers access admits: 401 without an
// identity, 403 for the wrong role.
func authorise(access routes.Access) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if access == routes.Anonymous {
				return next(c)
			}
			id, ok := auth.FromContext(c.Request().Context())
			if !ok {
				return unauthorized(c, "authentication required")
			}
			allowed := access == routes.Any || (access == routes.Customer && id.IsCustomer()) || (access == routes.Admin && id.IsAdmin())
			if !allowed {
				return problem.Forbidden("role " + id.Role + " may not do this")
			}
			return next(c)
		}
	}
}

// limit takes a token from the caller's bucket of class: the user's, or
// the client address's when anonymous.
func (g *Gateway) limit(class routes.Class) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			d := g.limiter.Allow(string(class), g.callerKey(c.Request()))
			ratelimit.SetHeaders(c.Response().Header(), d)
			if d.Allowed {
				return next(c)
			}
			rateLimited.WithLabelValues(string(class)).Inc()
			p := problem.New(http.StatusTooManyRequests, "", "rate limit exceeded for "+string(class)+" requests")
			p.RetryAfter = max(1, int((d.RetryAfter+time.Second-1)/time.Second))
			return p
		}
	}
}

// callerKey names the caller's rate-limit bucket.
func (g *Gateway) callerKey(r *http.Request) string {
	if id, ok := auth.FromContext(r.Context()); ok {
		return "user:" + id.Subject
	}
	return "ip:" + ratelimit.ClientIP(r.RemoteAddr, r.Header.Get("X-Forwarded-For"), g.trusted)
}

// bodyLimit reads the request's body, at most limit bytes within timeout,
// and hands it on in memory: a client cannot trickle a body to an
// upstream, and the proxy knows its length. Above the limit is a 413.
func bodyLimit(limit int64, timeout time.Duration) echo.MiddlewareFunc {
	timeout = orDefault(timeout, defaultBodyTimeout)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
				return next(c)
			}
			tooLarge := problem.TooLarge(fmt.Sprintf("request body exceeds %d bytes", limit))
			if r.ContentLength > limit {
				return tooLarge
			}
			b, err := readBody(c, limit, timeout)
			if err != nil {
				return err
			}
			if int64(len(b)) > limit {
				return tooLarge
			}
			r.Body, r.ContentLength, r.TransferEncoding = io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
			return next(c)
		}
	}
}

// readBody reads up to limit+1 bytes of the body under a read deadline,
// which it clears again: a deadline left on the connection would end a
// stream's request once it passed.
func readBody(c echo.Context, limit int64, timeout time.Duration) ([]byte, error) {
	rc := http.NewResponseController(c.Response())
	_ = rc.SetReadDeadline(time.Now().Add(timeout))
	b, err := io.ReadAll(io.LimitReader(c.Request().Body, limit+1))
	_ = rc.SetReadDeadline(time.Time{})
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, problem.New(http.StatusRequestTimeout, "", "the request body was not sent in time")
	case err != nil:
		return nil, problem.BadRequest("malformed request body")
	}
	return b, nil
}

// securityHeaders are sent on the gateway's own responses, the web UI among
// them: no framing, no sniffing, scripts from 'self' only. Proxied API
// responses get only X-Content-Type-Options: they are JSON, never rendered
// as pages.
func (g *Gateway) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'")
		return next(c)
	}
}
