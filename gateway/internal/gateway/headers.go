package gateway

import (
	"encoding/hex"
	"math/rand/v2"
	"net/http"
)

// nosniff is the one security header of proxied API responses: they are
// JSON, never rendered as pages, and every extra header costs on the hot
// path (the response header map outgrows its first bucket).
var nosniff = []string{"nosniff"}

// securityHeaders are sent on the gateway's own responses, the web UI among
// them: no framing, no sniffing, scripts from 'self' only.
var securityHeaders = map[string][]string{
	"X-Content-Type-Options":  {"nosniff"},
	"X-Frame-Options":         {"DENY"},
	"Referrer-Policy":         {"no-referrer"},
	"Content-Security-Policy": {"default-src 'self'; frame-ancestors 'none'; base-uri 'none'"},
}

// corsExposed are the response headers a browser client may read.
var corsExposed = []string{"ETag, X-Cache, X-Request-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy"}

func (g *Gateway) setSecurityHeaders(h http.Header, r *http.Request) {
	for k, v := range securityHeaders {
		h[k] = v
	}
	g.setCORS(h, r)
}

// setCORS allows the configured browser origins to read the response.
func (g *Gateway) setCORS(h http.Header, r *http.Request) {
	if len(g.cors) == 0 {
		return
	}
	origin := r.Header.Get("Origin")
	if origin != "" && (g.cors[origin] || g.cors["*"]) {
		h["Access-Control-Allow-Origin"] = []string{origin}
		h["Access-Control-Expose-Headers"] = corsExposed
		h["Vary"] = []string{"Origin"}
	}
}

// requestID keeps a client's X-Request-Id when it is short printable ASCII
// and generates one otherwise, so that logs cannot be injected through it.
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
