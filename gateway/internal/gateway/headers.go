package gateway

import (
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"strconv"

	"github.com/valyala/fasthttp"
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

// fastHeaderNames are the headers setHeaders writes, in the order of the
// bits of a present mask.
var fastHeaderNames = [...]string{
	"X-Request-Id", "Traceparent", "X-Content-Type-Options", "Access-Control-Allow-Origin",
	"Access-Control-Expose-Headers", "Vary", "Ratelimit-Limit", "Ratelimit-Remaining",
	"Ratelimit-Reset", "Ratelimit-Policy", "Retry-After",
}

// present is a set of fastHeaderNames, by bit.
type present uint16

func (p present) has(k string) bool {
	for i, n := range fastHeaderNames {
		if n == k {
			return p&(1<<i) != 0
		}
	}
	return false
}

// upstreamSent is the set of fastHeaderNames the upstream's answer has,
// found in one pass over its headers.
func upstreamSent(h *fasthttp.ResponseHeader) present {
	var p present
	for k := range h.All() {
		for i, n := range fastHeaderNames {
			if string(k) == n {
				p |= 1 << i
			}
		}
	}
	return p
}

// fastHeaders adds headers to a fasthttp response, except those in skip.
type fastHeaders struct {
	h    *fasthttp.ResponseHeader
	skip present
}

func (f fastHeaders) add(k string, v []byte) {
	if !f.skip.has(k) {
		f.h.AddBytesV(k, v)
	}
}

func (f fastHeaders) addInt(k string, n int) {
	var buf [20]byte
	f.add(k, strconv.AppendInt(buf[:0], int64(n), 10))
}

// setHeaders adds the fast path's headers (request id, traceparent,
// nosniff, CORS and the rate limit) to h, except those in skip: where the
// upstream sent one of them, its value wins, as it always has.
func (g *Gateway) setHeaders(x *exchange, h *fasthttp.ResponseHeader, skip present) {
	f := fastHeaders{h, skip}
	f.add("X-Request-Id", s2b(x.requestID))
	f.add("Traceparent", s2b(x.traceparent))
	f.add("X-Content-Type-Options", []byte("nosniff"))
	if origin := b2s(x.ctx.Request.Header.Peek("Origin")); g.corsAllowed(origin) {
		f.add("Access-Control-Allow-Origin", s2b(origin))
		f.add("Access-Control-Expose-Headers", []byte(corsExposed))
		f.add("Vary", []byte("Origin"))
	}
	if !x.rate.Limited {
		return
	}
	v := x.rate.Values()
	f.addInt("Ratelimit-Limit", v.Limit)
	f.addInt("Ratelimit-Remaining", v.Remaining)
	f.addInt("Ratelimit-Reset", v.Reset)
	var buf [48]byte
	policy := strconv.AppendInt(buf[:0], int64(v.Limit), 10)
	policy = strconv.AppendInt(append(policy, ";w="...), int64(v.Window), 10)
	f.add("Ratelimit-Policy", policy)
	if v.RetryAfter > 0 {
		f.addInt("Retry-After", v.RetryAfter)
	}
}

func (g *Gateway) setSecurityHeaders(h http.Header, r *http.Request) {
	for k, v := range securityHeaders {
		h[k] = v
	}
	g.setCORS(h, r.Header.Get("Origin"))
}

// corsAllowed reports whether origin may read the gateway's responses.
func (g *Gateway) corsAllowed(origin string) bool {
	return len(g.cors) > 0 && origin != "" && (g.cors[origin] || g.cors["*"])
}

// setCORS allows the configured browser origins to read the response.
func (g *Gateway) setCORS(h http.Header, origin string) {
	if !g.corsAllowed(origin) {
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
