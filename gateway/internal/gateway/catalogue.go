package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/gateway/internal/balancer"
	"github.com/eventshop/eventshop/gateway/internal/breaker"
	"github.com/eventshop/eventshop/gateway/internal/cache"
	"github.com/eventshop/eventshop/gateway/internal/routes"
	"github.com/eventshop/eventshop/pkg/tracing"
)

// maxCachedBody is the largest upstream body the cache stores.
const maxCachedBody = 1 << 20

// productPath is the catalogue listing; products are productPath + "/" + sku.
const productPath = "/api/v1/products"

// errTooLarge is a catalogue answer above maxCachedBody.
var errTooLarge = errors.New("catalogue answer too large to cache")

// cached answers a cacheable route from the cache, filling it once per key
// on a miss. The key is the cleaned path and the query: the fill sends the
// upstream nothing else of the client's request (no Host, no
// Accept-Language, no cookies), so nothing else can vary the answer. A
// request with credentials is per user and bypasses the cache in both
// directions. When the upstream fails (a 5xx, unreachable, breaker open)
// an entry held past its TTL is served, marked stale.
func (g *Gateway) cached(rt *routes.Route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.Method != http.MethodGet || r.Header.Get(echo.HeaderAuthorization) != "" || r.Header.Get("Cookie") != "" {
				c.Response().Header().Set("X-Cache", "BYPASS")
				return next(c)
			}
			key := r.URL.Path + "?" + r.URL.RawQuery
			if e, ok := g.cache.Get(key); ok {
				return answerCached(c, e, "HIT")
			}
			e, err := g.cache.Fill(key, func() (*cache.Entry, error) { return g.fetch(r.Context(), rt, r.URL, c.Response().Header()) })
			if err == nil && e.Status < 500 {
				return answerCached(c, e, "MISS")
			}
			if stale, ok := g.cache.Stale(key); ok {
				return answerStale(c, stale, e)
			}
			if err != nil {
				return g.upstreamError(c, rt, err)
			}
			return answerCached(c, e, "MISS")
		}
	}
}

// fetch reads the upstream's answer for the cache from one of its
// replicas, through the replica's breaker. It is not cancelled when the
// client that happened to lead the fill leaves, so that one client leaving
// does not fail the others waiting on the same key.
func (g *Gateway) fetch(ctx context.Context, rt *routes.Route, target *url.URL, h http.Header) (*cache.Entry, error) {
	var e *cache.Entry
	err := g.upstreams[rt.Upstream].Do(true, func(to *balancer.Replica) error {
		var err error
		e, err = g.get(context.WithoutCancel(ctx), rt, to, target, h)
		switch {
		case errors.Is(err, errTooLarge):
			return nil // the replica answered well
		case err != nil:
			return err
		}
		return outcome(e.Status)
	})
	if errors.Is(err, breaker.ErrUpstream) {
		err = nil // e holds the 5xx
	}
	if e == nil && err == nil {
		err = errTooLarge
	}
	return e, err
}

// get asks the replica to for the cleaned path and query of target, and
// nothing else of the client's request.
func (g *Gateway) get(ctx context.Context, rt *routes.Route, to *balancer.Replica, target *url.URL, h http.Header) (*cache.Entry, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, rt.Timeout, errUpstreamTimeout)
	defer cancel()
	// A fill is shared by the clients waiting on its key: without tracing
	// it carries no client's trace.
	ctx, span, tp := g.startClient(ctx, rt.Upstream, nil)
	if span != nil {
		defer span.End()
	}
	u := *to.URL
	u.Path, u.RawQuery = target.Path, target.RawQuery
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("catalogue request: %w", err)
	}
	req.Header.Set(echo.HeaderXRequestID, h.Get(echo.HeaderXRequestID))
	if tp != "" {
		req.Header.Set(tracing.Header, tp)
	}
	resp, err := g.transport.RoundTrip(req)
	if err != nil {
		if context.Cause(ctx) == errUpstreamTimeout {
			return nil, errUpstreamTimeout
		}
		return nil, fmt.Errorf("catalogue request: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCachedBody+1))
	if err != nil {
		return nil, fmt.Errorf("read catalogue answer: %w", err)
	}
	if len(body) > maxCachedBody {
		return nil, errTooLarge
	}
	return &cache.Entry{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body, RetryAfter: resp.Header.Get("Retry-After")}, nil
}

// answerCached sends e, or 304 when the client holds its ETag.
func answerCached(c echo.Context, e *cache.Entry, result string) error {
	cacheResults.WithLabelValues(result).Inc()
	h := c.Response().Header()
	h.Set("X-Cache", result)
	if e.RetryAfter != "" {
		h.Set("Retry-After", e.RetryAfter)
	}
	if e.Status != http.StatusOK {
		return c.Blob(e.Status, e.ContentType, e.Body)
	}
	h.Set("Etag", e.ETag)
	h.Set("Cache-Control", "no-cache")
	if etagMatches(c.Request().Header.Get("If-None-Match"), e.ETag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(e.Status, e.ContentType, e.Body)
}

// answerStale sends a stored entry past its TTL because the upstream
// failed, marked as such: X-Cache: STALE, and Cache-Status (RFC 9211) with
// the upstream's status when it gave one.
func answerStale(c echo.Context, stale, failed *cache.Entry) error {
	status := "eventshop-gateway; fwd=stale"
	if failed != nil {
		status += fmt.Sprintf("; fwd-status=%d", failed.Status)
	}
	c.Response().Header().Set("Cache-Status", status)
	return answerCached(c, &cache.Entry{Status: stale.Status, ContentType: stale.ContentType, Body: stale.Body, ETag: stale.ETag}, "STALE")
}

// etagMatches implements If-None-Match's weak comparison for a list of tags or "*".
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// invalidateSKU drops the cached answers a stock change of sku makes stale:
// that product and every catalogue listing.
func (g *Gateway) invalidateSKU(sku string) {
	one := productPath + "/" + sku
	g.cache.Invalidate(func(key string) bool {
		path, _, _ := strings.Cut(key, "?")
		return path == productPath || path == one
	})
}
