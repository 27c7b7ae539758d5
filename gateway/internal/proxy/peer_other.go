//go:build !unix

package proxy

import "syscall"

// PeerClosed reports false: without a non-blocking peek the gateway cannot
// tell, so it treats the connection as open. An idle upstream connection
// that the upstream closed then fails its next request, and a client that
// goes away mid-request is noticed when its answer is written instead of
// at once.
func PeerClosed(syscall.Conn, bool) bool { return false }
