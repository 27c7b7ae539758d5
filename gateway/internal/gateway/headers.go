package gateway

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
)

// corsExposed are the response headers a browser client may read.
const corsExposed = "ETag, X-Cache, Cache-Status, X-Request-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy"

// upstreamWins drops the headers the gateway set that the upstream's
// answer also carries: where both say something, the upstream's value is
// sent, once.
func upstreamWins(mine, theirs http.Header) {
	for k := range theirs {
		delete(mine, k)
	}
}

// requestID keeps a client's X-Request-Id when it is short printable ASCII
// and generates one otherwise, so that logs cannot be injected through it.
func requestID(in string) string {
	if in != "" && len(in) <= 128 && printable(in) {
		return in
	}
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
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
