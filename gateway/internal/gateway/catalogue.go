package gateway

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/eventshop/eventshop/gateway/internal/cache"
)

// maxCachedBody is the largest upstream body the cache stores.
const maxCachedBody = 1 << 20

// productPath is the catalogue listing; products are productPath + "/" + sku.
const productPath = "/api/v1/products"

// cacheable reports whether the request may be served from the shared cache:
// a catalogue GET without credentials. Anything carrying a token is per-user
// and bypasses the cache entirely, in both directions.
func (g *Gateway) cacheable(x *exchange) bool {
	if g.cache == nil || !x.route.Cacheable || x.r.Method != http.MethodGet {
		return false
	}
	if _, has := x.r.Header["Authorization"]; has {
		x.cacheResult = "BYPASS"
		return false
	}
	return true
}

// serveCached answers from the cache, filling it once per key on a miss, and
// honours If-None-Match with 304.
func (g *Gateway) serveCached(x *exchange) int {
	key := x.r.URL.RequestURI()
	x.cacheResult = "HIT"
	e, ok := g.cache.Get(key)
	if !ok {
		x.cacheResult = "MISS"
		var err error
		e, err = g.cache.Fill(key, func() (*cache.Entry, error) { return g.fetch(x) })
		if err != nil {
			return g.upstreamError(x, err)
		}
	}
	cacheResults.WithLabelValues(x.cacheResult).Inc()
	h := x.w.Header()
	h["X-Cache"] = []string{x.cacheResult}
	h["Etag"] = []string{e.ETag}
	h["Cache-Control"] = []string{"no-cache"}
	if e.Status == http.StatusOK && etagMatches(x.r.Header.Get("If-None-Match"), e.ETag) {
		x.w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified
	}
	h["Content-Type"] = []string{e.ContentType}
	h["Content-Length"] = []string{strconv.Itoa(len(e.Body))}
	x.w.WriteHeader(e.Status)
	_, _ = x.w.Write(e.Body)
	return e.Status
}

// fetch reads the upstream answer for the cache. It runs under a context
// detached from the client that happened to lead the fill, so one client
// leaving does not fail the others waiting on the same key.
func (g *Gateway) fetch(x *exchange) (*cache.Entry, error) {
	done, err := g.breakers.Allow(x.route.Upstream)
	if err != nil {
		return nil, err
	}
	ctx := context.WithoutCancel(x.r.Context())
	resp, err := g.proxy.Do(ctx, x.r, g.upstreams[x.route.Upstream], x.route.Timeout, x.requestID, x.traceparent)
	if err != nil {
		done(err)
		return nil, err
	}
	done(outcome(resp.StatusCode))
	body, err := g.proxy.ReadAll(resp, maxCachedBody)
	if err != nil {
		return nil, err
	}
	return &cache.Entry{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body}, nil
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
