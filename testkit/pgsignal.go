package testkit

import (
	"fmt"
	"os"
)

// Exited is closed when the server process has exited, for a supervisor
// that starts the cluster again on the same data after a crash.
func (c *PGCluster) Exited() <-chan struct{} { return c.proc.exited }

// Signal sends sig to the server's postmaster: SIGKILL crashes it, SIGQUIT
// is PostgreSQL's immediate shutdown (no checkpoint; crash recovery at the
// next start), as fault tests need.
func (c *PGCluster) Signal(sig os.Signal) error {
	if err := c.proc.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("signal postgres: %w", err)
	}
	return nil
}
