package smoke_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eventshop/eventshop/tools/client"
	"github.com/eventshop/eventshop/tools/stack"
)

// TestMakeRunServesOrdersAndStopsCleanly starts the launcher with fixed
// ports, as `make run` does, places orders through the gateway on :8080,
// sees them reach their final states, stops the launcher with Ctrl-C, and
// checks that nothing it started is left running.
func TestMakeRunServesOrdersAndStopsCleanly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := buildAll(ctx, t)
	data := reachableTempDir(t)
	cmd := exec.Command(filepath.Join(bin, "launcher"))
	cmd.Env = append(os.Environ(), "EVENTSHOP_DATA_DIR="+data, "ORDER_SAGA_TIMEOUT=5s", "PAYMENT_PROVIDER_TIMEOUT=300ms")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var tail lastLines
	if err := waitForLine(io.TeeReader(out, &tail), "eventshop is running", 3*time.Minute); err != nil {
		t.Fatalf("launcher: %v; its last output:\n%s", err, tail.String())
	}

	placeEachOutcome(ctx, t, client.ViaGateway("http://127.0.0.1:8080"))

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("launcher exited with %v after Ctrl-C", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("launcher still running a minute after Ctrl-C")
	}
	if left := processesUnder(bin, data); len(left) > 0 {
		t.Errorf("processes left running after the launcher stopped: %v", left)
	}
}

func placeEachOutcome(ctx context.Context, t *testing.T, gw *client.Client) {
	t.Helper()
	token, err := gw.Login(ctx, "alice")
	if err != nil {
		t.Fatalf("log in through the gateway: %v", err)
	}
	alice := gw.As(token)
	for method, want := range map[string]string{"tok_visa": "CONFIRMED", "tok_decline": "CANCELLED"} {
		o, err := alice.PlaceOrder(ctx, []client.Line{{SKU: "SKU-MOUSE", Quantity: 1}}, method, "")
		if err != nil {
			t.Fatalf("place a %s order: %v", method, err)
		}
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		got, err := alice.WaitFinal(wctx, o.ID)
		cancel()
		if err != nil || got.Status != want {
			t.Errorf("%s order: status %s, err %v; want %s", method, got.Status, err, want)
		}
	}
}

func buildAll(ctx context.Context, t *testing.T) string {
	t.Helper()
	root, err := stack.Root()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := stack.Build(ctx, root, bin); err != nil {
		t.Fatal(err)
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", bin+string(filepath.Separator), "./tools/cmd/launcher")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build launcher: %v\n%s", err, out)
	}
	return bin
}

func waitForLine(r io.Reader, want string, timeout time.Duration) error {
	found := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if strings.Contains(sc.Text(), want) {
				found <- nil
				for sc.Scan() { // keep reading so the launcher never blocks on its output
				}
				return
			}
		}
		found <- fmt.Errorf("output ended before %q", want)
	}()
	select {
	case err := <-found:
		return err
	case <-time.After(timeout):
		return fmt.Errorf("no %q within %s", want, timeout)
	}
}

// processesUnder lists running processes whose executable is in bin or
// whose command line names the data directory (PostgreSQL's postmaster).
func processesUnder(bin, data string) []string {
	var left []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		args := strings.ReplaceAll(string(cmdline), "\x00", " ")
		if strings.HasPrefix(exe, bin) || strings.Contains(args, data) {
			left = append(left, e.Name()+" "+args)
		}
	}
	return left
}

// lastLines keeps the last few kilobytes written to it, for failure messages.
type lastLines struct{ buf []byte }

func (l *lastLines) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	if len(l.buf) > 8<<10 {
		l.buf = l.buf[len(l.buf)-8<<10:]
	}
	return len(p), nil
}

func (l *lastLines) String() string { return string(l.buf) }

// reachableTempDir is a temporary directory that PostgreSQL, run as its own
// unprivileged user when the test runs as root, can reach (t.TempDir's
// parent is private to the test's user).
func reachableTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "eventshop-smoke-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
