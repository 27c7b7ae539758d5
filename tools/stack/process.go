package stack

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Process is one binary run under supervision — a service, nats-server or
// FerretDB: its output is prefixed with its name, and when it crashes it is
// started again with a growing backoff until Stop. A process that ran for
// stableAfter before it crashed starts again after the shortest backoff, so
// that a crash now and then never waits for the backoff of crashes long past.
type Process struct {
	Name string
	Path string
	Args []string
	Env  []string
	Out  *PrefixWriter

	mu       sync.Mutex
	cmd      *exec.Cmd
	stopping bool
	done     chan struct{}
	restarts int
}

// Start runs the process and supervises it in the background. A stopped
// process may be started again.
func (p *Process) Start() error {
	p.mu.Lock()
	p.stopping = false
	p.mu.Unlock()
	if err := p.spawn(); err != nil {
		return err
	}
	p.done = make(chan struct{})
	go p.supervise()
	return nil
}

func (p *Process) spawn() error {
	cmd := exec.Command(p.Path, p.Args...)
	cmd.Env = p.Env
	cmd.Stdout, cmd.Stderr = p.Out, p.Out
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	p.mu.Lock()
	p.cmd = cmd
	p.mu.Unlock()
	return nil
}

// Restart backoff: the first restart waits minBackoff, each further one
// twice as long up to maxBackoff, until the process stays up stableAfter.
const (
	minBackoff  = 250 * time.Millisecond
	maxBackoff  = 10 * time.Second
	stableAfter = 30 * time.Second
)

func (p *Process) supervise() {
	defer close(p.done)
	backoff := minBackoff
	for {
		p.mu.Lock()
		cmd := p.cmd
		p.mu.Unlock()
		started := time.Now()
		err := cmd.Wait()
		p.mu.Lock()
		stopping := p.stopping
		p.mu.Unlock()
		if stopping {
			return
		}
		if time.Since(started) >= stableAfter {
			backoff = minBackoff
		}
		fmt.Fprintf(p.Out, "exited (%v); restarting in %s\n", err, backoff)
		time.Sleep(backoff) // a deliberate restart backoff, not synchronisation
		backoff = min(backoff*2, maxBackoff)
		p.mu.Lock()
		stopping = p.stopping
		p.restarts++
		p.mu.Unlock()
		if stopping {
			return
		}
		if err := p.spawn(); err != nil {
			fmt.Fprintf(p.Out, "restart failed: %v\n", err)
			return
		}
	}
}

// Restarts reports how many times the process was started again after a crash.
func (p *Process) Restarts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.restarts
}

// Pid returns the current process id.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Kill ends the process abruptly (a crash, for fault tests); the supervisor restarts it.
func (p *Process) Kill() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.Process.Kill()
}

// Down kills the process abruptly and keeps it down until Start: an outage
// of a chosen length, for fault tests.
func (p *Process) Down() {
	p.mu.Lock()
	p.stopping = true
	cmd := p.cmd
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil || p.done == nil {
		return
	}
	kill(cmd)
	<-p.done
}

// Stop asks the process to shut down gracefully (SIGTERM) and kills it if
// it has not exited within timeout.
func (p *Process) Stop(ctx context.Context, timeout time.Duration) {
	p.mu.Lock()
	p.stopping = true
	cmd := p.cmd
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil || p.done == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(timeout):
		kill(cmd)
		<-p.done
	case <-ctx.Done():
		kill(cmd)
		<-p.done
	}
}

// PrefixWriter writes each line it is given to W behind a coloured name.
type PrefixWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

// NewPrefixWriter returns a writer that prefixes lines with name in colour
// (an ANSI colour index); mu serialises lines of several writers on w.
func NewPrefixWriter(w io.Writer, mu *sync.Mutex, name string, colour int) *PrefixWriter {
	prefix := fmt.Sprintf("%-13s| ", name)
	if colour > 0 && isTerminal(w) {
		prefix = fmt.Sprintf("\033[%dm%-13s|\033[0m ", colour, name)
	}
	return &PrefixWriter{mu: mu, w: w, prefix: prefix}
}

// Write buffers b and writes every complete line with the prefix.
func (pw *PrefixWriter) Write(b []byte) (int, error) {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	pw.buf = append(pw.buf, b...)
	for {
		i := bytes.IndexByte(pw.buf, '\n')
		if i < 0 {
			break
		}
		if _, err := fmt.Fprintf(pw.w, "%s%s\n", pw.prefix, pw.buf[:i]); err != nil {
			return len(b), err
		}
		pw.buf = pw.buf[i+1:]
	}
	return len(b), nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
