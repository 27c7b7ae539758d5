package evloop

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// recorder is a handler that keeps what each connection brought and says
// when connections open and close.
type recorder struct {
	mu     sync.Mutex
	got    map[*Conn]*bytes.Buffer
	opened chan *Conn
	closed chan error
	failed chan error // accepts that failed and are retried
	echo   bool       // write back what arrives
}

func newRecorder() *recorder {
	return &recorder{got: map[*Conn]*bytes.Buffer{}, opened: make(chan *Conn, 16),
		closed: make(chan error, 16), failed: make(chan error, 16)}
}

func (r *recorder) OnAcceptError(err error, _ time.Duration) {
	select {
	case r.failed <- err:
	default: // the test has seen enough of them
	}
}

func (r *recorder) OnOpen(c *Conn) {
	r.mu.Lock()
	r.got[c] = &bytes.Buffer{}
	r.mu.Unlock()
	r.opened <- c
}

func (r *recorder) OnTraffic(c *Conn) {
	b := c.Peek()
	r.mu.Lock()
	r.got[c].Write(b)
	r.mu.Unlock()
	if r.echo {
		_ = c.Write(b)
	}
	c.Discard(len(b))
}

func (r *recorder) OnClose(_ *Conn, err error) { r.closed <- err }

// total is how many bytes have arrived on every connection.
func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, b := range r.got {
		n += b.Len()
	}
	return n
}

// freeAddr is a loopback address nobody listens on, for a moment.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func start(t *testing.T, h Handler) (*Engine, string) {
	t.Helper()
	addr := freeAddr(t)
	e, err := Listen(addr, 1, h)
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	t.Cleanup(func() {
		go func() { e.Stop(); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(10 * time.Second):
			t.Error("Stop did not return")
		}
	})
	return e, addr
}

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10s", what)
		panic("unreachable")
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// hold keeps the loop busy until the returned func is called, so what
// clients send meanwhile is waiting in the kernel when the loop next looks.
func hold(t *testing.T, e *Engine) func() {
	t.Helper()
	busy, release := make(chan struct{}), make(chan struct{})
	if err := e.loops[0].Execute(func() { close(busy); <-release }); err != nil {
		t.Fatal(err)
	}
	receive(t, busy, "busy loop")
	return sync.OnceFunc(func() { close(release) })
}

// The peer's end can arrive in the same segment as its last data; epoll
// then reports the socket once, and the loop must read on to see the end.
func TestTheEndThatCameWithTheDataIsSeen(t *testing.T) {
	r := newRecorder()
	e, addr := start(t, r)
	release := hold(t, e)
	defer release()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Write([]byte("last words")); err != nil {
		t.Fatal(err)
	}
	nc.Close()
	release()
	receive(t, r.opened, "open")
	if err := receive(t, r.closed, "close"); !errors.Is(err, io.EOF) {
		t.Fatalf("closed with %v, want EOF", err)
	}
	if n := r.total(); n != len("last words") {
		t.Fatalf("got %d bytes, want %d", n, len("last words"))
	}
}

// More than one read's buffer can be waiting; all of it must be read
// though no more arrives after it.
func TestMoreThanOneBufferIsRead(t *testing.T) {
	r := newRecorder()
	e, addr := start(t, r)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	receive(t, r.opened, "open")
	release := hold(t, e)
	defer release()
	const size = 3 * readBuffer / 2
	sent := make(chan error, 1)
	go func() { _, err := nc.Write(make([]byte, size)); sent <- err }()
	if err := receive(t, sent, "write"); err != nil {
		t.Fatal(err)
	}
	release()
	eventually(t, "all bytes read", func() bool { return r.total() == size })
}

// A write larger than the socket takes is queued and finished once the
// peer reads.
func TestLargeWritesAreQueuedAndFinished(t *testing.T) {
	r := newRecorder()
	r.echo = true
	_, addr := start(t, r)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	const size = 8 << 20
	want := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	go func() { _, _ = nc.Write(want) }()
	got := make([]byte, size)
	_ = nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.ReadFull(nc, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("echoed bytes differ")
	}
}

func TestStopClosesConnectionsAndEndsTheLoops(t *testing.T) {
	r := newRecorder()
	addr := freeAddr(t)
	e, err := Listen(addr, 2, r)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	receive(t, r.opened, "open")
	stopped := make(chan struct{})
	go func() { e.Stop(); close(stopped) }()
	receive(t, stopped, "stop")
	if err := receive(t, r.closed, "close"); err != nil {
		t.Fatalf("closed with %v, want nil", err)
	}
	if _, err := nc.Read(make([]byte, 1)); err == nil {
		t.Fatal("the client's connection is still open")
	}
	if err := e.loops[0].Execute(func() {}); !errors.Is(err, ErrStopped) {
		t.Fatalf("Execute after Stop: %v, want ErrStopped", err)
	}
}

func TestExecuteRunsTasksInOrderOnTheLoop(t *testing.T) {
	e, _ := start(t, newRecorder())
	l := e.loops[0]
	var got []int // touched only on the loop
	done := make(chan struct{})
	for i := range 1000 {
		if err := l.Execute(func() { got = append(got, i) }); err != nil {
			t.Fatal(err)
		}
	}
	_ = l.Execute(func() { close(done) })
	receive(t, done, "tasks")
	for i, v := range got {
		if v != i {
			t.Fatalf("task %d ran as %d", i, v)
		}
	}
	if len(got) != 1000 {
		t.Fatalf("%d tasks ran, want 1000", len(got))
	}
}

func TestDialOpensOrReportsTheFailure(t *testing.T) {
	r := newRecorder()
	e, _ := start(t, r)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	e.loops[0].Dial(ln.Addr().String(), "upstream")
	c := receive(t, r.opened, "open")
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if err := e.loops[0].Execute(func() {
		if c.Context() == "upstream" {
			_ = c.Write([]byte("hello"))
		}
	}); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 5)
	_ = peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(peer, got); err != nil || string(got) != "hello" {
		t.Fatalf("peer read %q, %v; want hello (was the context kept?)", got, err)
	}

	e.loops[0].Dial(freeAddr(t), nil) // nobody listens there
	if err := receive(t, r.closed, "failed dial"); err == nil {
		t.Fatal("a refused dial closed without an error")
	}
}
