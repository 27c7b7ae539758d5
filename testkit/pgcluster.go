package testkit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgStartTimeout bounds initdb plus start-up; pgStopTimeout bounds a
// shutdown before the server is killed outright.
const (
	pgStartTimeout = 2 * time.Minute
	pgStopTimeout  = 30 * time.Second
)

// PGOptions configures StartPostgres. The zero value is a throwaway cluster
// tuned for tests.
type PGOptions struct {
	// DataDir keeps the cluster (in DataDir/pgdata) across starts; the
	// cluster is created on first use. Empty means a temporary directory
	// that Stop removes.
	DataDir string
	// Port to listen on at 127.0.0.1; zero picks a free one.
	Port int
	// Fsync keeps PostgreSQL's durability settings (fsync, synchronous
	// commit, full page writes) on, as benchmarks need; false turns them
	// off, which is only safe for data nobody needs after a crash.
	Fsync bool
	// MaxConnections is the server's max_connections; zero means 300, enough
	// for many test packages' pools at once.
	MaxConnections int
}

// PGCluster is a PostgreSQL server started by StartPostgres, listening on
// 127.0.0.1 with trust authentication for the user postgres.
type PGCluster struct {
	opts   PGOptions
	dir    string // holds pgdata, the log and the unix socket
	temp   bool
	port   int
	proc   *child
	admin  *pgxpool.Pool
	binDir string
}

// StartPostgres creates (if needed) and starts a cluster, and waits until it
// accepts connections. Root runs the server as the postgres user.
func StartPostgres(opts PGOptions) (*PGCluster, error) {
	ctx, cancel := context.WithTimeout(context.Background(), pgStartTimeout)
	defer cancel()
	bin, err := findPGBin()
	if err != nil {
		return nil, err
	}
	cred, err := serverUser()
	if err != nil {
		return nil, err
	}
	c := &PGCluster{opts: opts, dir: opts.DataDir, binDir: bin}
	if err := c.prepareDir(cred); err != nil {
		return nil, err
	}
	if err := c.initdb(ctx, cred); err != nil {
		c.removeTemp()
		return nil, err
	}
	if err := c.run(ctx, cred); err != nil {
		c.removeTemp()
		return nil, err
	}
	return c, nil
}

// Port returns the TCP port the server listens on at 127.0.0.1.
func (c *PGCluster) Port() int { return c.port }

// URL returns the connection URL of database db as the user postgres.
func (c *PGCluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// CreateDatabase creates an empty database named name.
func (c *PGCluster) CreateDatabase(ctx context.Context, name string) error {
	return createDatabase(ctx, c.admin, name)
}

// DropDatabase drops database name, ending its connections; a missing
// database is not an error.
func (c *PGCluster) DropDatabase(ctx context.Context, name string) error {
	return dropDatabase(ctx, c.admin, name)
}

// Stop shuts the server down and waits for it: a fast, clean shutdown for a
// persistent DataDir, an immediate one (no checkpoint) for a temporary
// cluster, whose directory it then removes.
func (c *PGCluster) Stop() error {
	c.admin.Close()
	sig := syscall.SIGINT // fast shutdown
	if c.temp {
		sig = syscall.SIGQUIT // immediate shutdown: the data is thrown away
	}
	err := c.proc.stop(sig, pgStopTimeout)
	c.removeTemp()
	return err
}

func (c *PGCluster) prepareDir(cred *syscall.Credential) error {
	if c.dir == "" {
		dir, err := tempDir(pgTempPrefix)
		if err != nil {
			return fmt.Errorf("create cluster dir: %w", err)
		}
		c.dir, c.temp = dir, true
	} else if err := mkdirForServer(c.dir); err != nil {
		return err
	}
	if err := checkReachable(c.dir, cred); err != nil {
		c.removeTemp()
		return err
	}
	if err := chown(c.dir, cred); err != nil {
		c.removeTemp()
		return err
	}
	return nil
}

// mkdirForServer creates dir private but its missing parents open, so that
// the server user can reach it when we are root.
func mkdirForServer(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("create cluster dir: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create cluster dir: %w", err)
	}
	return nil
}

func (c *PGCluster) removeTemp() {
	if c.temp {
		_ = os.RemoveAll(c.dir)
	}
}

func (c *PGCluster) pgdata() string { return filepath.Join(c.dir, "pgdata") }

// createDatabase and dropDatabase quote the name, so any name is safe.
func createDatabase(ctx context.Context, admin *pgxpool.Pool, name string) error {
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func dropDatabase(ctx context.Context, admin *pgxpool.Pool, name string) error {
	q := "DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"
	if _, err := admin.Exec(ctx, q); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}
