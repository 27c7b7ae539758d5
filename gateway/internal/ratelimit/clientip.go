package ratelimit

import (
	"net"
	"net/netip"
	"strings"
)

// ClientIP returns the caller's address: the connection's peer, or, when the
// peer is a trusted proxy, the right-most X-Forwarded-For entry that is not
// itself trusted. Entries left of that are client-controlled and ignored.
func ClientIP(remoteAddr, xff string, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	if len(trusted) == 0 || xff == "" || !isTrusted(host, trusted) {
		return host
	}
	parts := strings.Split(xff, ",")
	for i := len(parts) - 1; i >= 0; i-- {
		ip := strings.TrimSpace(parts[i])
		if _, err := netip.ParseAddr(ip); err != nil {
			return host
		}
		if !isTrusted(ip, trusted) {
			return ip
		}
	}
	return host
}

func isTrusted(ip string, trusted []netip.Prefix) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
