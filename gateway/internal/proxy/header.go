package proxy

import (
	"net/http"
	"strings"
)

// identityPrefixes name headers through which a client could claim an
// identity to a service that trusts headers. Identity travels only in the
// verified Authorization token, so these are always dropped.
var identityPrefixes = []string{"X-User", "X-Forwarded-", "X-Auth-", "X-Remote-", "Remote-User", "X-Identity", "X-Role", "X-Email"}

// IsIdentityHeader reports whether the canonical header name k is one a
// client must not send upstream. Every X-Forwarded- header counts: the
// gateway sets its own.
func IsIdentityHeader(k string) bool {
	for _, p := range identityPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// stripIdentity removes every identity header from h.
func stripIdentity(h http.Header) {
	for k := range h {
		if IsIdentityHeader(k) {
			delete(h, k)
		}
	}
}
