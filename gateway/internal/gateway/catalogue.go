package gateway

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/valyala/fasthttp"

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
	if g.cache == nil || !x.route.Cacheable || !x.ctx.IsGet() {
		return false
	}
	if x.ctx.Request.Header.Peek("Authorization") != nil {
		x.cacheResult = "BYPASS"
		return false
	}
	return true
}

// serveCached answers from the cache, filling it once per key on a miss, and
// honours If-None-Match with 304. The key is the request target as sent.
// A miss waits for the fill, so it runs off the event loop.
func (g *Gateway) serveCached(x *exchange, body []byte) int {
	if status, ok := g.serveHit(x); ok {
		return status
	}
	x.cacheResult = "MISS"
	e, err := g.cache.Fill(string(x.ctx.RequestURI()), func() (*cache.Entry, error) { return g.fetch(x, body) })
	if err != nil {
		return g.upstreamError(x, err)
	}
	return g.answerCached(x, e)
}

// serveHit answers from the cache when it holds the key; it never waits.
func (g *Gateway) serveHit(x *exchange) (int, bool) {
	e, ok := g.cache.Get(b2s(x.ctx.RequestURI()))
	if !ok {
		return 0, false
	}
	x.cacheResult = "HIT"
	return g.answerCached(x, e), true
}

func (g *Gateway) answerCached(x *exchange, e *cache.Entry) int {
	cacheResults.WithLabelValues(x.cacheResult).Inc()
	resp := &x.ctx.Response
	g.setHeaders(x, &resp.Header, 0)
	resp.Header.Set("X-Cache", x.cacheResult)
	resp.Header.Set("Etag", e.ETag)
	resp.Header.Set("Cache-Control", "no-cache")
	if e.Status == http.StatusOK && etagMatches(b2s(x.ctx.Request.Header.Peek("If-None-Match")), e.ETag) {
		resp.SetStatusCode(http.StatusNotModified)
		return http.StatusNotModified
	}
	resp.Header.SetContentType(e.ContentType)
	resp.SetStatusCode(e.Status)
	resp.SetBodyRaw(e.Body)
	return e.Status
}

// fetch reads the upstream answer for the cache. It is not cancelled when
// the client that happened to lead the fill leaves, so that one client
// leaving does not fail the others waiting on the same key.
func (g *Gateway) fetch(x *exchange, body []byte) (*cache.Entry, error) {
	done, err := g.breakers.Allow(x.route.Upstream)
	if err != nil {
		return nil, err
	}
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseResponse(resp)
	out := g.outgoing(x, body)
	if err := g.proxy.Do(&x.ctx.Request, resp, g.upstreams[x.route.Upstream], x.route.Timeout, &out, nil); err != nil {
		done(err)
		return nil, err
	}
	done(outcome(resp.StatusCode()))
	if len(resp.Body()) > maxCachedBody {
		return nil, errors.New("response too large to cache")
	}
	return &cache.Entry{Status: resp.StatusCode(), ContentType: string(resp.Header.ContentType()), Body: bytes.Clone(resp.Body())}, nil
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
