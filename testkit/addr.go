package testkit

import "net"

// FreeAddr is a loopback address whose port nothing listens on now, for a
// server that takes an address rather than a listener.
func FreeAddr(t TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free address: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
