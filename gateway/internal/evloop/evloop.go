//go:build linux && !evloop_portable

package evloop

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
)

// Engine is a listener and the loops that serve its connections.
type Engine struct {
	h        Handler
	loops    []*Loop
	lnOnce   sync.Once
	stopOnce sync.Once
	done     sync.WaitGroup
}

// Listen binds addr and starts n loops serving it with h. Each loop has a
// listening socket of its own on addr (SO_REUSEPORT), so the kernel spreads
// new connections over the loops; addr needs a fixed port.
//
// A loop holds a P while it waits in the kernel (see Loop.run), so Listen
// raises GOMAXPROCS by n, and Stop lowers it again: the program's other
// goroutines keep the Ps they had.
func Listen(addr string, n int, h Handler) (*Engine, error) {
	e := &Engine{h: h}
	for range max(1, n) {
		l, err := newLoop(e)
		if err == nil {
			l.ln, err = listen(addr)
		}
		if err == nil {
			err = l.ctl(syscall.EPOLL_CTL_ADD, l.ln, syscall.EPOLLIN)
		}
		if err != nil {
			e.close()
			return nil, err
		}
		e.loops = append(e.loops, l)
	}
	addProcs(len(e.loops))
	for _, l := range e.loops {
		e.done.Add(1)
		go l.run()
	}
	return e, nil
}

var (
	procsMu sync.Mutex // orders the engines' changes to GOMAXPROCS
	added   int        // the Ps the running engines added
)

// addProcs adds n Ps, or takes -n away.
func addProcs(n int) {
	procsMu.Lock()
	defer procsMu.Unlock()
	added += n
	runtime.GOMAXPROCS(max(1, runtime.GOMAXPROCS(0)+n))
}

// DefaultLoops is one loop per P the program has, not counting the Ps
// that running engines added for their loops.
func DefaultLoops() int {
	procsMu.Lock()
	defer procsMu.Unlock()
	return max(1, runtime.GOMAXPROCS(0)-added)
}

// close releases the loops of an engine that did not start.
func (e *Engine) close() {
	for _, l := range e.loops {
		if l.ln >= 0 {
			_ = syscall.Close(l.ln)
		}
		l.release()
	}
}

// StopAccepting closes the listening socket: new connections are refused,
// the open ones are served on.
func (e *Engine) StopAccepting() {
	e.lnOnce.Do(func() {
		// On Linux, shutting a listening socket down ends its listening:
		// connection attempts are refused from now on.
		for _, l := range e.loops {
			_ = syscall.Shutdown(l.ln, syscall.SHUT_RD)
			_ = l.Execute(func() { _ = l.ctl(syscall.EPOLL_CTL_DEL, l.ln, 0) })
		}
	})
}

// Stop closes every connection and ends the loops, and waits for them.
func (e *Engine) Stop() {
	e.stopOnce.Do(func() {
		e.StopAccepting()
		for _, l := range e.loops {
			_ = l.Execute(l.stop)
		}
		e.done.Wait()
		addProcs(-len(e.loops))
		for _, l := range e.loops {
			_ = syscall.Close(l.ln)
		}
	})
}

// soReusePort is SO_REUSEPORT, which package syscall does not name.
const soReusePort = 0xf

func listen(addr string) (int, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return -1, fmt.Errorf("evloop: listen %s: %w", addr, err)
	}
	family, sa := sockaddr(ta)
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, soReusePort, 1)
	if err := syscall.Bind(fd, sa); err != nil {
		_ = syscall.Close(fd)
		return -1, fmt.Errorf("evloop: listen %s: %w", addr, err)
	}
	if err := syscall.Listen(fd, syscall.SOMAXCONN); err != nil {
		_ = syscall.Close(fd)
		return -1, os.NewSyscallError("listen", err)
	}
	return fd, nil
}

func sockaddr(a *net.TCPAddr) (int, syscall.Sockaddr) {
	if ip4 := a.IP.To4(); ip4 != nil || a.IP == nil {
		sa := &syscall.SockaddrInet4{Port: a.Port}
		copy(sa.Addr[:], ip4)
		return syscall.AF_INET, sa
	}
	sa := &syscall.SockaddrInet6{Port: a.Port}
	copy(sa.Addr[:], a.IP.To16())
	return syscall.AF_INET6, sa
}

func sockaddrToTCP(sa syscall.Sockaddr) *net.TCPAddr {
	switch sa := sa.(type) {
	case *syscall.SockaddrInet4:
		return &net.TCPAddr{IP: append(net.IP(nil), sa.Addr[:]...), Port: sa.Port}
	case *syscall.SockaddrInet6:
		return &net.TCPAddr{IP: append(net.IP(nil), sa.Addr[:]...), Port: sa.Port}
	}
	return &net.TCPAddr{}
}
