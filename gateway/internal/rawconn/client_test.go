//go:build linux

package rawconn_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/eventshop/eventshop/gateway/internal/rawconn"
)

// answer reads n bytes on server and writes reply, reporting what it read.
func answer(server net.Conn, n int, reply string) <-chan []byte {
	got := make(chan []byte, 1)
	go func() {
		buf := make([]byte, n)
		if _, err := io.ReadFull(server, buf); err != nil {
			close(got)
			return
		}
		_, _ = server.Write([]byte(reply))
		got <- buf
	}()
	return got
}

func TestClientHoldsAWriteUntilItsRead(t *testing.T) {
	c, server := pairWith(t, rawconn.WrapClient)
	if n, err := c.Write([]byte("ping")); n != 4 || err != nil {
		t.Fatalf("Write = %d, %v; want 4, nil", n, err)
	}
	_ = server.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := server.Read(make([]byte, 4)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("server read %d bytes (%v) before the client read; want nothing", n, err)
	}
	_ = server.SetReadDeadline(time.Time{})
	got := answer(server, 4, "pong")
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "pong" {
		t.Fatalf("client read %q, %v; want pong", buf, err)
	}
	if req := <-got; string(req) != "ping" {
		t.Fatalf("server read %q; want ping", req)
	}
}

// Each read sends its request and waits for the answer before it reads;
// exchanges in a row all complete, none left waiting for its deadline.
func TestClientExchangesInARowAllComplete(t *testing.T) {
	c, server := pairWith(t, rawconn.WrapClient)
	go func() { _, _ = io.Copy(server, server) }() // echo
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 8)
	for i := range 2000 {
		msg := []byte{'m', 's', 'g', byte('0' + i%10), 'a', 'b', 'c', 'd'}
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil || !bytes.Equal(buf, msg) {
			t.Fatalf("exchange %d: read %q, %v; want %q", i, buf, err, msg)
		}
	}
}

// Writes past what a client holds go out in order with what it held.
func TestClientWritesBeyondWhatItHoldsArriveInOrder(t *testing.T) {
	c, server := pairWith(t, rawconn.WrapClient)
	want := bytes.Repeat([]byte("0123456789abcdef"), 40<<10/16)
	got := answer(server, len(want), "ok")
	for chunk := range slicesOf(want, 3000) {
		if _, err := c.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Write(want[:0]); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ok" {
		t.Fatalf("client read %q, %v; want ok", buf, err)
	}
	if req := <-got; !bytes.Equal(req, want) {
		t.Fatal("server read the writes out of order or incomplete")
	}
}

// A held request larger than the socket's buffers can take at once is
// finished by the read, which then reads the answer. The server reads only
// once the request is stuck in the client's send queue.
func TestClientHeldWriteLargerThanTheSocketBufferCompletes(t *testing.T) {
	c, server := pairWith(t, rawconn.WrapClient, 4096)
	want := bytes.Repeat([]byte("x"), 16<<10)
	if _, err := c.Write(want); err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	read := make(chan error, 1)
	buf := make([]byte, 2)
	go func() {
		_, err := io.ReadFull(c, buf)
		read <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); unsent(t, c) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the request never filled the send queue")
		}
		runtime.Gosched()
	}
	got := answer(server, len(want), "ok")
	if err := <-read; err != nil || string(buf) != "ok" {
		t.Fatalf("client read %q, %v; want ok", buf, err)
	}
	if req := <-got; !bytes.Equal(req, want) {
		t.Fatal("server did not read the whole request")
	}
}

// unsent is the number of bytes in c's send queue.
func unsent(t *testing.T, c *rawconn.Conn) int {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int32
	var errno syscall.Errno
	_ = rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCOUTQ, uintptr(unsafe.Pointer(&n)))
	})
	if errno != 0 {
		t.Fatal(errno)
	}
	return int(n)
}

func TestClientCloseSendsWhatIsHeld(t *testing.T) {
	c, server := pairWith(t, rawconn.WrapClient)
	if _, err := c.Write([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(server)
	if err != nil || string(b) != "bye" {
		t.Fatalf("server read %q, %v; want bye then EOF", b, err)
	}
}

func TestClientExchangeOnAResetConnectionFails(t *testing.T) {
	c, server := pairWith(t, rawconn.WrapClient)
	_ = server.(*net.TCPConn).SetLinger(0) // close with RST
	_ = server.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	var err error
	for range 100 { // the reset arrives after the first request at the latest
		if _, err = c.Write([]byte("x")); err != nil {
			break
		}
		if _, err = c.Read(make([]byte, 1)); err != nil {
			break
		}
	}
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("exchange on a reset connection = %v; want ECONNRESET or EPIPE", err)
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Fatalf("error %v is not a *net.OpError", err)
	}
}

// An upstream may close an idle connection just before a request: the
// request's read must fail, not wait for an answer that cannot come, even
// when the poller saw the close before the read began.
func TestClientRequestOnAConnectionThePeerClosedFails(t *testing.T) {
	c, server := pairWith(t, rawconn.WrapClient)
	_ = server.Close()
	for deadline := time.Now().Add(10 * time.Second); !peerClosed(t, c); {
		if time.Now().After(deadline) {
			t.Fatal("the close never reached the client")
		}
		runtime.Gosched()
	}
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	_, err := c.Read(make([]byte, 8))
	if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("request on a closed connection = %v; want EOF or a reset", err)
	}
}

// peerClosed peeks at c: true once it reads as closed.
func peerClosed(t *testing.T, c *rawconn.Conn) bool {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	_ = rc.Control(func(fd uintptr) {
		n, _, err := syscall.Recvfrom(int(fd), make([]byte, 1), syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		closed = n == 0 && err == nil
	})
	return closed
}

func TestClientReadDeadlineIsATimeout(t *testing.T) {
	c, _ := pairWith(t, rawconn.WrapClient)
	if _, err := c.Write([]byte("unanswered")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := c.Read(make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read of an unanswered request = %v; want the deadline", err)
	}
}

// slicesOf yields b in pieces of n bytes.
func slicesOf(b []byte, n int) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			k := min(n, len(b))
			if !yield(b[:k]) {
				return
			}
			b = b[k:]
		}
	}
}

// TLS runs over a client connection: the handshake's flights and the
// records of an exchange go out with the reads that wait for their answers.
func TestClientCarriesTLS(t *testing.T) {
	c, server := pairWith(t, rawconn.WrapClient)
	srv := httptest.NewUnstartedServer(nil)
	srv.StartTLS() // only for its certificate
	srv.Close()
	cfg := srv.TLS.Clone()
	go func() {
		s := tls.Server(server, cfg)
		buf := make([]byte, 4)
		if _, err := io.ReadFull(s, buf); err == nil {
			_, _ = s.Write([]byte("pong"))
		}
		_ = s.Close()
	}()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	tc := tls.Client(c, &tls.Config{RootCAs: roots, ServerName: "example.com"})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	if _, err := tc.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(tc, buf); err != nil || string(buf) != "pong" {
		t.Fatalf("read %q, %v over TLS; want pong", buf, err)
	}
	if err := tc.Close(); err != nil {
		t.Fatal(err)
	}
}
