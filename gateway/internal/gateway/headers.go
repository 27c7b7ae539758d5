package gateway

import (
	"encoding/hex"
	"math/rand/v2"
	"net/http"

	"github.com/valyala/fasthttp"

	"github.com/eventshop/eventshop/gateway/internal/ratelimit"
)

// securityHeaders are sent on the gateway's own responses, the web UI among
// them: no framing, no sniffing, scripts from 'self' only. Proxied API
// responses get only X-Content-Type-Options: they are JSON, never rendered
// as pages.
var securityHeaders = map[string][]string{
	"X-Content-Type-Options":  {"nosniff"},
	"X-Frame-Options":         {"DENY"},
	"Referrer-Policy":         {"no-referrer"},
	"Content-Security-Policy": {"default-src 'self'; frame-ancestors 'none'; base-uri 'none'"},
}

// corsExposed are the response headers a browser client may read.
const corsExposed = "ETag, X-Cache, X-Request-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy"

// headerSetter is where the gateway writes its response headers: an
// http.Header on echo's routes, a fasthttp response on the fast path.
type headerSetter interface {
	Set(key, value string)
}

// keepUpstreams sets a header only where the upstream's answer has none:
// the upstream's own value wins, as it always has.
type keepUpstreams struct{ h *fasthttp.ResponseHeader }

// Set sets key unless the upstream sent it.
func (k keepUpstreams) Set(key, value string) {
	if len(k.h.Peek(key)) == 0 {
		k.h.Set(key, value)
	}
}

// setHeaders writes the fast path's headers: request id, traceparent,
// nosniff, CORS and the rate limit.
func (g *Gateway) setHeaders(x *exchange, h headerSetter) {
	h.Set("X-Request-Id", x.requestID)
	h.Set("Traceparent", x.traceparent)
	h.Set("X-Content-Type-Options", "nosniff")
	g.setCORS(h, b2s(x.ctx.Request.Header.Peek("Origin")))
	ratelimit.SetHeaders(h, x.rate)
}

func (g *Gateway) setSecurityHeaders(h http.Header, r *http.Request) {
	for k, v := range securityHeaders {
		h[k] = v
	}
	g.setCORS(h, r.Header.Get("Origin"))
}

// setCORS allows the configured browser origins to read the response.
func (g *Gateway) setCORS(h headerSetter, origin string) {
	if len(g.cors) == 0 || origin == "" || !(g.cors[origin] || g.cors["*"]) {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", corsExposed)
	h.Set("Vary", "Origin")
}

// requestID keeps a client's X-Request-Id when it is short printable ASCII
// and generates one otherwise, so that logs cannot be injected through it.
// The result may be in, which on the fast path views the request's memory.
func requestID(in string) string {
	if in != "" && len(in) <= 128 && printable(in) {
		return in
	}
	var b [16]byte
	for i := range 2 {
		v := rand.Uint64()
		for j := range 8 {
			b[i*8+j] = byte(v >> (8 * j))
		}
	}
	return hex.EncodeToString(b[:])
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
