package proxy

import (
	"net/http"
	"strings"
)

// identityPrefixes name headers through which a client could claim an
// identity to a service that trusts headers. Identity travels only in the
// verified Authorization token, so these are always dropped; every
// X-Forwarded- header counts, the gateway sets its own.
var identityPrefixes = []string{"X-User", "X-Forwarded-", "X-Auth-", "X-Remote-", "Remote-User", "X-Identity", "X-Role", "X-Email"}

// stripIdentity removes every identity header from h.
func stripIdentity(h http.Header) {
	for k := range h {
		for _, p := range identityPrefixes {
			if strings.HasPrefix(k, p) {
				delete(h, k)
				break
			}
		}
	}
}
