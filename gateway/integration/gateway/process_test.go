//go:build linux

package gateway_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eventshop/eventshop/testkit"
)

// clockTicks is the unit of /proc/<pid>/stat's CPU times on Linux.
const clockTicks = 100

// buildGateway builds the gateway's command once for the calling test.
func buildGateway(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gateway")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/eventshop/eventshop/gateway/cmd/gateway").CombinedOutput()
	if err != nil {
		t.Fatalf("build gateway: %v\n%s", err, out)
	}
	return bin
}

// process is the real gateway binary running in front of the upstreams.
type process struct {
	addr string
	cmd  *exec.Cmd
}

// startGateway runs bin with the upstreams' URLs, rate limits off, a 1 s
// header timeout and env on top; fdLimit, when positive, caps its open
// files. It is stopped when the test ends.
func startGateway(t *testing.T, bin string, up *upstream, fdLimit int, env ...string) *process {
	t.Helper()
	addr := testkit.FreeAddr(t)
	cmd := exec.Command(bin)
	if fdLimit > 0 {
		cmd = exec.Command("/bin/sh", "-c", fmt.Sprintf(`ulimit -n %d && exec "$0"`, fdLimit), bin)
	}
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"), "GATEWAY_HTTP_ADDR=" + addr, "GATEWAY_JWT_SECRET=" + secret,
		"GATEWAY_ORDER_URL=" + up.srv.URL, "GATEWAY_INVENTORY_URL=" + up.srv.URL,
		"GATEWAY_PAYMENT_URL=" + up.srv.URL, "GATEWAY_NOTIFICATION_URL=" + up.srv.URL,
		"GATEWAY_RATE_LIMIT_OFF=true", "GATEWAY_ACCESS_LOG=false", "GATEWAY_READ_HEADER_TIMEOUT=1s",
		"EVENTSHOP_ENV=local",
	}, env...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	p := &process{addr: addr, cmd: cmd}
	testkit.Eventually(t, 30*time.Second, p.healthy, "gateway binary never answered /healthz")
	return p
}

// healthy reports whether a new client gets /healthz answered.
func (p *process) healthy() bool {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + p.addr + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// rss is the process's resident memory in bytes.
func (p *process) rss(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// cpu is the CPU time the process has used.
func (p *process) cpu(t *testing.T) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// growth runs load for d while sampling the process's memory, and returns
// how far it rose above where it started.
func (p *process) growth(t *testing.T, d time.Duration, load func(until time.Time)) int64 {
	t.Helper()
	base := p.rss(t)
	until := time.Now().Add(d)
	done := make(chan struct{})
	go func() {
		defer close(done)
		load(until)
	}()
	peak := base
	for time.Now().Before(until) {
		peak = max(peak, p.rss(t))
		select {
		case <-done:
		case <-time.After(200 * time.Millisecond):
		}
	}
	<-done
	return max(peak, p.rss(t)) - base
}

// flood writes msg on conn again and again until the time is up, without
// ever reading; a write the gateway does not take in time is retried.
func flood(conn net.Conn, msg []byte, until time.Time) {
	for time.Now().Before(until) {
		_ = conn.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := conn.Write(msg); err != nil && !os.IsTimeout(err) {
			return
		}
	}
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// closedWithin reports whether the gateway closes conn within d, reading
// (and dropping) whatever it answers meanwhile.
func closedWithin(conn net.Conn, d time.Duration) bool {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, bufio.NewReader(conn))
	return err == nil || !os.IsTimeout(err)
}
