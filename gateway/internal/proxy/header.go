package proxy

import (
	"bytes"
	"net/textproto"

	"github.com/valyala/fasthttp"
)

// hopByHopHeaders apply to one connection only and are never forwarded (RFC 9110 §7.6.1).
var hopByHopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
	// Expect is answered by the gateway's own server; forwarding it would
	// make the upstream send an interim 100 response.
	"Expect",
}

var hopByHopSet = toSet(hopByHopHeaders)

// identityPrefixes name headers through which a client could claim an
// identity to a service that trusts headers. Identity travels only in the
// verified Authorization token, so these are always dropped.
var identityPrefixes = []string{"X-User", "X-Forwarded-User", "X-Auth-", "X-Remote-", "Remote-User", "X-Identity", "X-Role", "X-Email"}

// replaced are headers the proxy sets itself.
var replaced = toSet([]string{"X-Request-Id", "Traceparent", "Content-Length", "Host"})

func toSet(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// IsIdentityHeader reports whether the canonical header name k is one a
// client must not send upstream.
func IsIdentityHeader(k []byte) bool {
	for _, p := range identityPrefixes {
		if len(k) >= len(p) && string(k[:len(p)]) == p {
			return true
		}
	}
	return false
}

// Forwardable reports whether the client header k (canonical) goes
// upstream: not a hop-by-hop header, not one named in the request's
// Connection header (conn), not an identity header, not an X-Forwarded-*
// the client made up (the proxy sets its own) and not one the proxy sets.
func Forwardable(k []byte, conn [][]byte) bool {
	return !hopByHopSet[string(k)] && !replaced[string(k)] && !IsIdentityHeader(k) &&
		!bytes.HasPrefix(k, []byte("X-Forwarded-")) && (len(conn) == 0 || !named(conn, k))
}

func named(conn [][]byte, k []byte) bool {
	for _, v := range conn {
		for tok := range bytes.SplitSeq(v, []byte(",")) {
			if textproto.CanonicalMIMEHeaderKey(string(bytes.TrimSpace(tok))) == string(k) {
				return true
			}
		}
	}
	return false
}

// stripHopByHop removes the upstream's hop-by-hop headers from its answer;
// the gateway's server frames the response to the client itself. Answers
// rarely carry any but Connection, which is a flag, so one pass looks
// before the deletes, each of which would scan the headers again.
func stripHopByHop(h *fasthttp.ResponseHeader) {
	h.ResetConnectionClose()
	for k := range h.All() {
		if hopByHopSet[string(k)] {
			for _, k := range hopByHopHeaders {
				h.Del(k)
			}
			return
		}
	}
}
