package testkit

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// Process is a service binary started by StartBinary, running with the
// test's environment.
type Process struct {
	cmd    *exec.Cmd
	logs   *LockedBuffer
	exited chan struct{}
	err    error
}

// StartBinary builds mainPackage (such as "./cmd/order") inside moduleDir
// and starts it with the test's environment (set it with t.Setenv first).
// Building inside the service's own module, as the Dockerfile does, uses
// that module's go.mod rather than the test's. The process is killed at
// cleanup if the test did not stop it, and its output is logged when the
// test failed.
func StartBinary(t testing.TB, moduleDir, mainPackage string) *Process {
	t.Helper()
	return StartBuilt(t, BuildBinary(t, moduleDir, mainPackage))
}

// BuildBinary builds mainPackage inside moduleDir, as StartBinary does,
// and returns the binary's path, for a test that starts it more than once
// (StartBuilt) and must not wait for a build in between.
func BuildBinary(t testing.TB, moduleDir, mainPackage string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "service")
	build := exec.Command("go", "build", "-o", bin, mainPackage)
	build.Dir = moduleDir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", mainPackage, err, out)
	}
	return bin
}

// StartBuilt starts the binary bin as StartBinary starts the one it built.
// The binary is told it runs on a developer's machine (EVENTSHOP_ENV=local)
// unless the test set EVENTSHOP_ENV itself.
func StartBuilt(t testing.TB, bin string) *Process {
	t.Helper()
	p := &Process{cmd: exec.Command(bin), logs: &LockedBuffer{}, exited: make(chan struct{})}
	p.cmd.Env = localEnv()
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
			t.Logf("%s output:\n%s", bin, p.logs)
		}
	})
	return p
}

// Stop sends SIGTERM, as a container runtime does, and returns the exit
// error: nil when the process shut down cleanly.
func (p *Process) Stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	<-p.exited
	return p.err
}

// Kill sends SIGKILL, as a crash or an out-of-memory kill ends a process,
// so that a test can check what such a process leaves behind; it waits for
// the process to exit.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// Logs returns everything the process wrote to stdout and stderr so far.
func (p *Process) Logs() string { return p.logs.String() }

// LockedBuffer collects output written from several goroutines: a child
// process's stdout and stderr, or a logger used by concurrent code.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// localEnv is the test's environment with EVENTSHOP_ENV=local added when
// the test did not set it: the binaries refuse the published development
// JWT secret anywhere else (pkg/startup).
func localEnv() []string {
	env := os.Environ()
	if _, set := os.LookupEnv("EVENTSHOP_ENV"); !set {
		env = append(env, "EVENTSHOP_ENV=local")
	}
	return env
}
