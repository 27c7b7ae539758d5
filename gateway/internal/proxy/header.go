package proxy

import (
	"net/http"
	"net/textproto"
	"strings"
)

// hopByHopHeaders apply to one connection only and are never forwarded (RFC 9110 §7.6.1).
var hopByHopHeaders = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	// Expect is answered by the gateway's own server; forwarding it would
	// make the upstream send an interim 100 response.
	"Expect": true,
}

// identityPrefixes name headers through which a client could claim an
// identity to a service that trusts headers. Identity travels only in the
// verified Authorization token, so these are always dropped.
var identityPrefixes = []string{"X-User", "X-Forwarded-User", "X-Auth-", "X-Remote-", "Remote-User", "X-Identity", "X-Role", "X-Email"}

// replaced are headers the proxy sets itself.
var replaced = map[string]bool{"X-Request-Id": true, "Traceparent": true, "Content-Length": true, "Host": true}

func hopByHop(k string) bool { return hopByHopHeaders[k] }

// IsIdentityHeader reports whether the canonical header name k is one a
// client must not send upstream.
func IsIdentityHeader(k string) bool {
	for _, p := range identityPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// Header returns the headers of a client request to send upstream: all but
// hop-by-hop headers, those named in Connection, identity headers and any
// X-Forwarded-* the client made up (the proxy sets its own). Values are
// shared with in, not copied; neither side modifies them.
func Header(in http.Header) http.Header {
	out := make(http.Header, len(in)+4)
	conn := in["Connection"]
	for k, vv := range in {
		if forwardable(k, conn) {
			out[k] = vv
		}
	}
	return out
}

// forwardable reports whether the client header k goes upstream; conn is
// the request's Connection header.
func forwardable(k string, conn []string) bool {
	return !hopByHop(k) && !replaced[k] && !IsIdentityHeader(k) && !strings.HasPrefix(k, "X-Forwarded-") &&
		(len(conn) == 0 || !named(conn, k))
}

func named(conn []string, k string) bool {
	for _, v := range conn {
		for _, tok := range strings.Split(v, ",") {
			if textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(tok)) == k {
				return true
			}
		}
	}
	return false
}
