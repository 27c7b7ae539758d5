package notification_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// mainPackage is built and run as the container runs it, so these tests
// cover main's signal handling too. It is built inside the service's own
// module (serviceDir, relative to this package), as the Dockerfile does, so
// the build uses the service's go.mod and go.sum, not this module's.
const (
	serviceDir  = "../../.."
	mainPackage = "./cmd/notification"
)

// lockedBuffer collects the output the service writes from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// process is the service binary running with the test's environment.
type process struct {
	cmd    *exec.Cmd
	logs   *lockedBuffer
	exited chan struct{}
	err    error
}

// startService builds the service and starts it with the test's environment
// (set it with t.Setenv first). The process is killed at cleanup if the test
// did not stop it, and its output is logged when the test failed.
func startService(t *testing.T) *process {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "service")
	build := exec.Command("go", "build", "-o", bin, mainPackage)
	build.Dir = serviceDir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", mainPackage, err, out)
	}
	p := &process{cmd: exec.Command(bin), logs: &lockedBuffer{}, exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("service output:\n%s", p.logs)
		}
	})
	return p
}

// stop sends SIGTERM, as the container runtime does, and returns the exit
// error: nil when the service shut down cleanly.
func (p *process) stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	<-p.exited
	return p.err
}
