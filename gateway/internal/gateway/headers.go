package gateway

import (
	"encoding/hex"
	"math/rand/v2"
	"net/http"
)

// Security headers sent on every response. The API returns JSON only, so it
// forbids framing and sniffing; the web UI loads its scripts from 'self' only.
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
