//go:build linux && !evloop_portable

package evloop

import (
	"encoding/binary"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Loop is one event loop: an epoll instance, its connections, and the
// goroutine that serves them.
type Loop struct {
	e     *Engine
	ln    int      // the loop's listening socket
	ep    int      // the epoll instance the loop waits in
	idle  int      // an epoll instance holding ep while the loop is parked
	file  *os.File // idle, as the runtime's poller knows it
	wake  int      // an eventfd in ep, written by Execute
	conns map[int]*Conn
	evs   []syscall.EpollEvent
	buf   []byte // what each read lands in

	parked atomic.Bool // the loop waits in the runtime's poller, not the kernel

	acceptPause   time.Duration // the last pause before a retried accept
	acceptWaiting bool          // a retried accept is due

	mu      sync.Mutex
	tasks   []func()
	spare   []func() // the last run's slice, for the next tasks
	woken   bool     // wake was written and not read yet
	stopped bool
}

const readBuffer = 64 << 10

// idleAfter is how long a loop waits in the kernel for an event before it
// parks in the runtime's poller instead.
const idleAfter = 5 * time.Millisecond

func newLoop(e *Engine) (*Loop, error) {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	idle, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		_ = syscall.Close(ep)
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	if err := syscall.SetNonblock(idle, true); err != nil {
		_ = syscall.Close(ep)
		_ = syscall.Close(idle)
		return nil, os.NewSyscallError("setnonblock", err)
	}
	wake, _, errno := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		_ = syscall.Close(ep)
		_ = syscall.Close(idle)
		return nil, os.NewSyscallError("eventfd2", errno)
	}
	// os.NewFile registers a non-blocking descriptor with the runtime's
	// poller; the file owns idle from now on.
	l := &Loop{e: e, ln: -1, ep: ep, idle: idle, file: os.NewFile(uintptr(idle), "epoll"),
		wake: int(wake), conns: map[int]*Conn{},
		evs: make([]syscall.EpollEvent, 256), buf: make([]byte, readBuffer)}
	if err := l.ctl(syscall.EPOLL_CTL_ADD, l.wake, syscall.EPOLLIN); err != nil {
		l.release()
		return nil, err
	}
	return l, nil
}

// release closes the loop's own descriptors.
func (l *Loop) release() {
	_ = l.file.Close()
	_ = syscall.Close(l.ep)
	_ = syscall.Close(l.wake)
}

// run serves the loop until stop. While events come, it waits for them in
// the kernel, in epoll_wait, the way nginx's workers do; after idleAfter
// without one, it parks in the runtime's poller until the next.
//
// The wait in the kernel is a raw system call: the runtime takes the loop
// for a goroutine that is running, and its P runs nothing else meanwhile.
// That is why Listen adds a P for every loop. The runtime is never asked
// to hand the P over or to wake the loop, so a request costs the system
// calls nginx makes and no more, and the kernel wakes the loop's thread
// directly, from the thread that wrote to the socket. A runtime that needs
// the goroutine to stop (the collector, the scheduler after 10 ms) sends
// its thread a signal, which ends the wait with EINTR; the loop then
// yields.
//
// Parking while idle keeps an idle gateway idle: a loop waiting in the
// kernel would be woken by the scheduler's preemption every 10 ms, and
// would keep the runtime's monitor thread from sleeping.
func (l *Loop) run() {
	defer l.e.done.Done()
	defer l.release()
	rc, err := l.file.SyscallConn()
	if err != nil {
		return
	}
	for !l.stopped {
		n, idle := l.wait(int(idleAfter / time.Millisecond))
		if idle {
			l.park(rc)
			continue
		}
		l.handle(n)
	}
}

// park waits in the runtime's poller until ep has an event, and handles
// that batch. ep is inside idle, which the poller watches, only while the
// loop is parked: otherwise every event would wake the poller's thread for
// nothing.
func (l *Loop) park(rc syscall.RawConn) {
	if err := epollCtl(l.idle, syscall.EPOLL_CTL_ADD, l.ep, syscall.EPOLLIN); err != nil {
		return
	}
	l.parked.Store(true)
	_ = rc.Read(func(uintptr) bool {
		n, _ := l.wait(0)
		if n == 0 && !l.stopped {
			return false
		}
		l.parked.Store(false)
		l.handle(n)
		return true
	})
	_ = epollCtl(l.idle, syscall.EPOLL_CTL_DEL, l.ep, 0)
}

// wait asks epoll for what is ready, waiting up to ms milliseconds.
// idle says that the time passed without an event.
func (l *Loop) wait(ms int) (n int, idle bool) {
	for {
		r, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(l.ep),
			uintptr(unsafe.Pointer(&l.evs[0])), uintptr(len(l.evs)), uintptr(ms), 0, 0)
		switch errno {
		case 0:
			return int(r), r == 0 && ms > 0
		case syscall.EINTR:
			// The runtime wants the goroutine: a raw system call is no
			// place where it can take it, so the loop offers, then asks
			// again. (Returning nothing instead would park a loop that
			// was woken for an event it has not seen.)
			runtime.Gosched()
		default:
			return 0, false
		}
	}
}

// handle handles the first n events of the last wait.
func (l *Loop) handle(n int) {
	for i := range n {
		l.event(l.evs[i])
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
		c.readable()
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
	return epollCtl(l.ep, op, fd, events)
}

func epollCtl(ep, op, fd int, events uint32) error {
	ev := syscall.EpollEvent{Events: events, Fd: int32(fd)}
	if err := syscall.EpollCtl(ep, op, fd, &ev); err != nil {
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
