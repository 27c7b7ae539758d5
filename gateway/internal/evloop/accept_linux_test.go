package evloop

import (
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
)

// A connection that waits in the listener's queue while the process has
// no descriptor left is accepted once one is freed, though no other
// connection attempt comes to make epoll report the listener again.
func TestAcceptIsRetriedOnceDescriptorsAreFreed(t *testing.T) {
	r := newRecorder()
	_, addr := start(t, r)
	spare := exhaustDescriptors(t)
	_ = spare[0].Close() // for the client's socket
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := receive(t, r.failed, "failed accept"); !errors.Is(err, syscall.EMFILE) {
		t.Fatalf("accept failed with %v, want EMFILE", err)
	}
	_ = spare[1].Close() // for the accepted one
	receive(t, r.opened, "accepted connection")
}

// exhaustDescriptors lowers the process's descriptor limit and opens files
// until none is left. It returns them, for the test to free some; the rest
// are closed and the limit restored when the test ends.
func exhaustDescriptors(t *testing.T) []*os.File {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	low := old
	low.Cur = min(old.Cur, 256)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	var files []*os.File
	t.Cleanup(func() {
		for _, f := range files {
			_ = f.Close()
		}
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	})
	for {
		f, err := os.Open(os.DevNull)
		if errors.Is(err, syscall.EMFILE) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) < 2 {
		t.Fatalf("only %d descriptors were left to take", len(files))
	}
	return files
}
