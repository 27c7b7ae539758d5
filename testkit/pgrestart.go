package testkit

import (
	"context"
	"syscall"
)

// StopImmediate stops the server in immediate mode, as a crash would (no
// checkpoint: the next start recovers from the WAL), and keeps its data
// directory and port, so that Start brings the same cluster back. Tests of
// outages use it: the clients see connections refused until Start.
func (c *PGCluster) StopImmediate() error {
	c.admin.Close()
	return c.proc.stop(syscall.SIGQUIT, pgStopTimeout)
}

// Start starts a cluster stopped by StopImmediate again, on the same data
// directory and port, and waits until it accepts connections.
func (c *PGCluster) Start() error {
	ctx, cancel := context.WithTimeout(context.Background(), pgStartTimeout)
	defer cancel()
	cred, err := serverUser()
	if err != nil {
		return err
	}
	c.opts.Port = c.port
	return c.runOnce(ctx, cred)
}
