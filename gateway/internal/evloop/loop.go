//go:build linux && !evloop_portable

package evloop

import (
	"encoding/binary"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// Loop is one event loop: an epoll instance, its connections, and the
// goroutine that serves them.
type Loop struct {
	e     *Engine
	ln    int      // the loop's listening socket
	ep    int      // the epoll instance
	file  *os.File // ep, as the runtime's poller knows it
	wake  int      // an eventfd in ep, written by Execute
	conns map[int]*Conn
	evs   []syscall.EpollEvent
	buf   []byte // what each read lands in
	again bool   // a descriptor may still be ready without epoll saying so again

	acceptPause   time.Duration // the last pause before a retried accept
	acceptWaiting bool          // a retried accept is due

	mu      sync.Mutex
	tasks   []func()
	spare   []func() // the last run's slice, for the next tasks
	woken   bool     // wake was written and not read yet
	stopped bool
}

const readBuffer = 64 << 10

func newLoop(e *Engine) (*Loop, error) {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	if err := syscall.SetNonblock(ep, true); err != nil {
		_ = syscall.Close(ep)
		return nil, os.NewSyscallError("setnonblock", err)
	}
	wake, _, errno := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		_ = syscall.Close(ep)
		return nil, os.NewSyscallError("eventfd2", errno)
	}
	l := &Loop{e: e, ln: -1, ep: ep, wake: int(wake), conns: map[int]*Conn{},
		evs: make([]syscall.EpollEvent, 256), buf: make([]byte, readBuffer)}
	if err := l.ctl(syscall.EPOLL_CTL_ADD, l.wake, syscall.EPOLLIN); err != nil {
		_ = syscall.Close(ep)
		_ = syscall.Close(l.wake)
		return nil, err
	}
	// os.NewFile registers a non-blocking descriptor with the runtime's
	// poller; the file owns ep from now on.
	l.file = os.NewFile(uintptr(ep), "epoll")
	return l, nil
}

// run serves the loop until stop: it handles what epoll reports, without
// waiting, and parks in the runtime's poller until the epoll descriptor is
// readable again.
//
// It parks as soon as a batch is handled, without a last epoll_wait to
// confirm that nothing is left: each new event wakes the poller, which
// remembers a wake that comes while the loop runs. That saves a system call
// per wake, a tenth of the gateway's added latency at concurrency 1. But a
// socket that is still ready after its event was handled does not wake the
// poller again, though its registration is level-triggered; so a full
// batch, a read that filled the buffer, a hang-up that came with data and
// a partial write (l.again) make the loop ask once more before it parks.
func (l *Loop) run() {
	defer l.e.done.Done()
	defer l.file.Close()
	defer syscall.Close(l.wake)
	rc, err := l.file.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Read(func(uintptr) bool {
		for !l.stopped {
			n := l.poll()
			for i := range n {
				l.event(l.evs[i])
			}
			if n < len(l.evs) && !l.again && !l.stopped {
				return false
			}
			l.again = false
		}
		return true
	})
}

// poll asks epoll what is ready, without waiting.
func (l *Loop) poll() int {
	for {
		n, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(l.ep),
			uintptr(unsafe.Pointer(&l.evs[0])), uintptr(len(l.evs)), 0, 0, 0)
		switch errno {
		case 0:
			return int(n)
		case syscall.EINTR:
			continue
		default:
			return 0
		}
	}
}

func (l *Loop) event(ev syscall.EpollEvent) {
	fd := int(ev.Fd)
	switch fd {
	case l.wake:
		l.runTasks()
		return
	case l.ln:
		l.accept()
		return
	}
	c := l.conns[fd]
	if c == nil {
		return
	}
	if ev.Events&syscall.EPOLLOUT != 0 {
		c.writable()
	}
	if ev.Events&(syscall.EPOLLIN|syscall.EPOLLHUP|syscall.EPOLLERR|syscall.EPOLLRDHUP) != 0 && !c.closed {
		c.readable(ev.Events&(syscall.EPOLLHUP|syscall.EPOLLERR|syscall.EPOLLRDHUP) != 0)
	}
}

// accept takes the connections waiting on the listener.
func (l *Loop) accept() {
	for {
		fd, sa, err := syscall.Accept4(l.ln, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		switch {
		case err == syscall.EINTR || err == syscall.ECONNABORTED:
			continue
		case acceptRetryable(err):
			l.retryAccept(err)
			return
		case err != nil:
			return // EAGAIN: none is left; or the listener was shut down
		}
		l.acceptPause = 0
		_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		c := &Conn{l: l, fd: fd, remote: sockaddrToTCP(sa)}
		if lsa, err := syscall.Getsockname(fd); err == nil {
			c.local = sockaddrToTCP(lsa)
		}
		if err := l.add(c, syscall.EPOLLIN|syscall.EPOLLRDHUP); err != nil {
			_ = syscall.Close(fd)
			continue
		}
		l.e.h.OnOpen(c)
	}
}

// retryAccept tries the accept again after a pause. The connections left
// in the listener's queue would otherwise wait for the next connection
// attempt, as epoll reports the listener again only then.
func (l *Loop) retryAccept(err error) {
	if l.acceptWaiting {
		return
	}
	l.acceptWaiting = true
	l.acceptPause = nextAcceptPause(l.acceptPause)
	reportAcceptError(l.e.h, err, l.acceptPause)
	time.AfterFunc(l.acceptPause, func() {
		_ = l.Execute(func() {
			l.acceptWaiting = false
			l.accept()
		})
	})
}

func (l *Loop) add(c *Conn, events uint32) error {
	if err := l.ctl(syscall.EPOLL_CTL_ADD, c.fd, events); err != nil {
		return err
	}
	l.conns[c.fd] = c
	return nil
}

func (l *Loop) ctl(op, fd int, events uint32) error {
	ev := syscall.EpollEvent{Events: events, Fd: int32(fd)}
	if err := syscall.EpollCtl(l.ep, op, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// Execute runs f on the loop soon. Any goroutine may call it.
func (l *Loop) Execute(f func()) error {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return ErrStopped
	}
	l.tasks = append(l.tasks, f)
	wake := !l.woken
	l.woken = true
	l.mu.Unlock()
	if wake {
		var one [8]byte
		binary.LittleEndian.PutUint64(one[:], 1)
		_, _, _ = syscall.RawSyscall(syscall.SYS_WRITE, uintptr(l.wake), uintptr(unsafe.Pointer(&one[0])), 8)
	}
	return nil
}

func (l *Loop) runTasks() {
	var b [8]byte
	_, _, _ = syscall.RawSyscall(syscall.SYS_READ, uintptr(l.wake), uintptr(unsafe.Pointer(&b[0])), 8)
	l.mu.Lock()
	tasks := l.tasks
	l.tasks, l.spare = l.spare[:0], nil
	l.woken = false
	l.mu.Unlock()
	for i, f := range tasks {
		f()
		tasks[i] = nil
	}
	l.mu.Lock()
	l.spare = tasks[:0]
	l.mu.Unlock()
}

// stop closes every connection and ends the loop. It runs on the loop.
func (l *Loop) stop() {
	for _, c := range l.conns {
		c.close(nil)
	}
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
}

// Dial connects to addr ("host:port") without blocking the loop: the name
// is resolved on a goroutine, and the connection, with ctx as its context,
// opens with the handler's OnOpen or fails with its OnClose, on the loop.
func (l *Loop) Dial(addr string, ctx any) {
	go func() {
		ta, err := net.ResolveTCPAddr("tcp", addr)
		_ = l.Execute(func() { l.connect(ta, err, ctx) })
	}()
}

func (l *Loop) connect(ta *net.TCPAddr, err error, ctx any) {
	c := &Conn{l: l, fd: -1, ctx: ctx, connecting: true, remote: ta}
	if err != nil {
		l.e.h.OnClose(c, err)
		return
	}
	family, sa := sockaddr(ta)
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		l.e.h.OnClose(c, os.NewSyscallError("socket", err))
		return
	}
	c.fd = fd
	_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	if err := syscall.Connect(fd, sa); err != nil && err != syscall.EINPROGRESS {
		_ = syscall.Close(fd)
		l.e.h.OnClose(c, os.NewSyscallError("connect", err))
		return
	}
	if err := l.add(c, syscall.EPOLLIN|syscall.EPOLLOUT|syscall.EPOLLRDHUP); err != nil {
		_ = syscall.Close(fd)
		l.e.h.OnClose(c, err)
	}
}
