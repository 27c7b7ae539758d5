package testkit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// initdb creates the cluster unless DataDir already holds one. A
// throwaway cluster is copied from the cached template when there is one.
func (c *PGCluster) initdb(ctx context.Context, cred *syscall.Credential) error {
	if _, err := os.Stat(filepath.Join(c.pgdata(), "PG_VERSION")); err == nil {
		return nil
	}
	var tpl string
	if c.temp && !c.opts.Fsync {
		tpl = templateDir(c.binDir)
		if copied, err := copyTemplate(tpl, c.pgdata(), cred); copied || err != nil {
			return err
		}
	}
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, "initdb"), initdbArgs(c.opts.Fsync)...)
	cmd.Args = append(cmd.Args, "-D", c.pgdata())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, out)
	}
	saveTemplate(c.pgdata(), tpl)
	return nil
}

func initdbArgs(fsync bool) []string {
	args := []string{"-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale"}
	if !fsync {
		args = append(args, "--no-sync")
	}
	return args
}

// run starts the server and waits until it accepts connections. A port
// picked at random can be taken by someone else before the server binds it,
// so that case is retried with another port.
func (c *PGCluster) run(ctx context.Context, cred *syscall.Credential) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = c.runOnce(ctx, cred)
		if !errors.Is(err, errServerExited) || c.opts.Port != 0 {
			return err
		}
	}
	return err
}

func (c *PGCluster) runOnce(ctx context.Context, cred *syscall.Credential) error {
	port, err := c.pickPort()
	if err != nil {
		return err
	}
	logPath := filepath.Join(c.dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open server log: %w", err)
	}
	defer logFile.Close() // the child has its own copy
	cmd := exec.Command(filepath.Join(c.binDir, "postgres"), c.serverArgs(port)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = procAttr(cred)
	proc, err := startChild(cmd)
	if err != nil {
		return err
	}
	c.port, c.proc = port, proc
	if err := c.waitReady(ctx); err != nil {
		_ = proc.stop(syscall.SIGQUIT, pgStopTimeout)
		return fmt.Errorf("%w; server log %s:\n%s", err, logPath, tail(logPath))
	}
	return nil
}

func (c *PGCluster) serverArgs(port int) []string {
	maxConns := c.opts.MaxConnections
	if maxConns == 0 {
		maxConns = 300
	}
	args := []string{"-D", c.pgdata(), "-p", strconv.Itoa(port), "-k", c.dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=" + strconv.Itoa(maxConns)}
	if !c.opts.Fsync {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off",
			"-c", "full_page_writes=off")
	}
	return args
}

func (c *PGCluster) pickPort() (int, error) {
	if c.opts.Port != 0 {
		return c.opts.Port, nil
	}
	return FreePort()
}

// waitReady polls until the server accepts a connection, giving up at once
// if the server exits.
func (c *PGCluster) waitReady(ctx context.Context) error {
	cfg, err := pgxpool.ParseConfig(c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("parse admin url: %w", err)
	}
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("admin pool: %w", err)
	}
	for {
		pingCtx, cancel := context.WithTimeout(ctx, time.Second)
		err = pool.Ping(pingCtx)
		cancel()
		if err == nil {
			c.admin = pool
			return nil
		}
		select {
		case <-c.proc.exited:
			pool.Close()
			return errors.Join(errServerExited, c.proc.err)
		case <-ctx.Done():
			pool.Close()
			return fmt.Errorf("postgres not ready: %w", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

var errServerExited = errors.New("server exited")

// tail returns the end of a log file for error messages.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	s := string(b)
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return strings.TrimSpace(s)
}
