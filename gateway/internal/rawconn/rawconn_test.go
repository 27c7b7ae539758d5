//go:build linux

package rawconn_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/eventshop/eventshop/gateway/internal/rawconn"
)

// pair returns a raw client connection and the plain server end of it.
func pair(t *testing.T) (*rawconn.Conn, net.Conn) {
	t.Helper()
	return pairWith(t, rawconn.Wrap)
}

// pairWith is pair with the client end wrapped by wrap. A non-zero
// buffer sizes both sockets' buffers before they connect.
func pairWith(t *testing.T, wrap func(net.Conn) net.Conn, buffer ...int) (*rawconn.Conn, net.Conn) {
	t.Helper()
	var control func(string, string, syscall.RawConn) error
	if len(buffer) > 0 {
		control = func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) {
				_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, buffer[0])
				_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, buffer[0])
			})
		}
	}
	ln, err := (&net.ListenConfig{Control: control}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	c, err := (&net.Dialer{Control: control}).Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	rc, ok := wrap(c).(*rawconn.Conn)
	if !ok {
		t.Fatalf("Wrap(%T) did not give a raw connection", c)
	}
	t.Cleanup(func() { _ = rc.Close(); _ = server.Close() })
	return rc, server
}

func TestReadsAndWritesBothWays(t *testing.T) {
	c, server := pair(t)
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(server, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("server read %q, %v", buf, err)
	}
	if _, err := server.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "pong" {
		t.Fatalf("raw read %q, %v", buf, err)
	}
}

// A write larger than the socket's buffers parks until the peer reads,
// and still delivers every byte in order.
func TestWriteLargerThanTheSocketBufferCompletes(t *testing.T) {
	c, server := pair(t)
	if err := c.SetWriteBuffer(16 << 10); err != nil {
		t.Fatal(err)
	}
	want := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(server)
		got <- b
	}()
	n, err := c.Write(want)
	if err != nil || n != len(want) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(want))
	}
	_ = c.CloseWrite()
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("peer read %d bytes, not the %d written", len(b), len(want))
	}
}

func TestReadAfterPeerCloseIsEOF(t *testing.T) {
	c, server := pair(t)
	_ = server.Close()
	if n, err := c.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Fatalf("Read = %d, %v; want 0, EOF", n, err)
	}
}

func TestReadDeadlineIsATimeout(t *testing.T) {
	c, _ := pair(t)
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := c.Read(make([]byte, 8))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read after the deadline = %v; want a timeout", err)
	}
}

// A deadline moved to the past from another goroutine ends a parked read:
// the gateway cancels upstream exchanges that way.
func TestDeadlineSetMeanwhileEndsAParkedRead(t *testing.T) {
	c, _ := pair(t)
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 8))
		done <- err
	}()
	_ = c.SetReadDeadline(time.Unix(1, 0))
	if err := <-done; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("parked Read = %v; want the deadline", err)
	}
}

func TestWriteToAResetConnectionFails(t *testing.T) {
	c, server := pair(t)
	_ = server.(*net.TCPConn).SetLinger(0) // close with RST
	_ = server.Close()
	var err error
	for range 100 { // the reset arrives after the first write at the latest
		if _, err = c.Write([]byte("x")); err != nil {
			break
		}
	}
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("Write to a reset connection = %v; want ECONNRESET or EPIPE", err)
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "write" {
		t.Fatalf("error %v is not a write *net.OpError", err)
	}
}

func TestCloseEndsAParkedRead(t *testing.T) {
	c, _ := pair(t)
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 8))
		done <- err
	}()
	_ = c.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read on a closed connection = %v; want net.ErrClosed", err)
	}
}

func TestWrapLeavesOtherConnectionsAlone(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if got := rawconn.Wrap(a); got != a {
		t.Fatalf("Wrap(pipe) = %T; want the pipe itself", got)
	}
}
