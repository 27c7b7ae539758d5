package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"time"
)

// child is a long-running server process.
type child struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	err    error         // the exit status, set before exited is closed
}

// startChild starts cmd from a goroutine locked to its OS thread, which it
// keeps until the process exits: Linux sends the parent-death signal when
// the starting thread ends, not the process, and the Go runtime may retire
// idle threads.
func startChild(cmd *exec.Cmd) (*child, error) {
	c := &child{cmd: cmd, exited: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.err = cmd.Wait()
		close(c.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	return c, nil
}

// stop sends sig and waits for the process to exit, killing it after timeout.
func (c *child) stop(sig os.Signal, timeout time.Duration) error {
	select {
	case <-c.exited:
		return nil
	default:
	}
	if err := c.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("signal %s: %w", c.cmd.Path, err)
	}
	select {
	case <-c.exited:
		return nil
	case <-time.After(timeout):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("%s did not stop within %s and was killed", c.cmd.Path, timeout)
	}
}
