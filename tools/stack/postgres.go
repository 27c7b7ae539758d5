package stack

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/testkit"
)

// PostgresServer is the PostgreSQL cluster the stack started, supervised
// like the other processes: when the postmaster dies it is started again on
// the same data directory and port, after crash recovery.
type PostgresServer struct {
	opts testkit.PGOptions
	out  io.Writer

	mu       sync.Mutex
	cluster  *testkit.PGCluster
	stopping bool
	done     chan struct{}
}

// startPostgresServer starts the cluster in opts.DataDir and supervises it.
func startPostgresServer(opts testkit.PGOptions, out io.Writer) (*PostgresServer, error) {
	p := &PostgresServer{opts: opts, out: out}
	if err := p.Start(); err != nil {
		return nil, err
	}
	return p, nil
}

// Start starts the server (again, after StopImmediate) and supervises it.
func (p *PostgresServer) Start() error {
	c, err := testkit.StartPostgres(p.opts)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.cluster, p.stopping, p.done = c, false, make(chan struct{})
	p.opts.Port = c.Port() // a restart must come back where the services look
	p.mu.Unlock()
	go p.supervise(c)
	return nil
}

func (p *PostgresServer) supervise(c *testkit.PGCluster) {
	defer close(p.done)
	backoff := minBackoff
	for {
		<-c.Exited()
		_ = c.Stop() // closes its admin pool; the process is gone
		for {
			if p.isStopping() {
				return
			}
			fmt.Fprintf(p.out, "postgres exited; restarting in %s\n", backoff)
			time.Sleep(backoff) // a deliberate restart backoff, not synchronisation
			backoff = min(backoff*2, maxBackoff)
			if p.isStopping() {
				return
			}
			next, err := testkit.StartPostgres(p.opts)
			if err != nil {
				fmt.Fprintf(p.out, "postgres restart failed: %v\n", err)
				continue
			}
			fmt.Fprintf(p.out, "postgres restarted on port %d\n", next.Port())
			p.mu.Lock()
			p.cluster, c, backoff = next, next, minBackoff
			p.mu.Unlock()
			break
		}
	}
}

func (p *PostgresServer) isStopping() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopping
}

func (p *PostgresServer) current() *testkit.PGCluster {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cluster
}

// URL returns the connection URL of database db as the superuser.
func (p *PostgresServer) URL(db string) string { return p.current().URL(db) }

// Port returns the port the server listens on at 127.0.0.1.
func (p *PostgresServer) Port() int { return p.current().Port() }

// Kill crashes the postmaster (SIGKILL); the supervisor starts it again.
func (p *PostgresServer) Kill() error { return p.current().Signal(syscall.SIGKILL) }

// StopImmediate stops the server in immediate mode (SIGQUIT: no
// checkpoint, crash recovery at the next start) and keeps it down until
// Start.
func (p *PostgresServer) StopImmediate() error {
	p.mu.Lock()
	p.stopping = true
	c := p.cluster
	p.mu.Unlock()
	if err := c.Signal(syscall.SIGQUIT); err != nil {
		return err
	}
	<-p.done
	return nil
}

// Stop shuts the server down cleanly and ends its supervision.
func (p *PostgresServer) Stop() {
	p.mu.Lock()
	p.stopping = true
	c := p.cluster
	p.mu.Unlock()
	_ = c.Stop()
	<-p.done
}

// startPostgres starts the cluster from the local server binaries, or uses
// the server at Options.PostgresURL when one is given.
func (s *Stack) startPostgres(ctx context.Context) error {
	if s.opts.PostgresURL != "" {
		return s.useServer(ctx, s.opts.PostgresURL)
	}
	pg, err := startPostgresServer(testkit.PGOptions{
		DataDir: filepath.Join(s.opts.DataDir, "postgres"), Fsync: s.opts.Fsync, Port: s.fixed(5432),
	}, NewPrefixWriter(s.opts.Log, &s.logMu, "postgres", 94))
	if err != nil {
		return fmt.Errorf("start postgres: %w (or set PG_URL to a PostgreSQL server to use instead)", err)
	}
	s.Postgres = pg
	return s.createDatabases(ctx)
}

// useServer gives each PostgreSQL service its own database on an existing
// server. The services connect as the URL's user: roles with passwords are
// the server owner's business there.
func (s *Stack) useServer(ctx context.Context, serverURL string) error {
	s.DatabaseURLs, s.AdminURLs = map[string]string{}, map[string]string{}
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return fmt.Errorf("connect to PG_URL: %w", err)
	}
	defer conn.Close(ctx)
	for _, svc := range DatabaseServices {
		var exists bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, svc).Scan(&exists); err != nil {
			return fmt.Errorf("look up database %s: %w", svc, err)
		}
		if !exists {
			if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{svc}.Sanitize()); err != nil {
				return fmt.Errorf("create database %s: %w", svc, err)
			}
		}
		u, err := url.Parse(serverURL)
		if err != nil {
			return fmt.Errorf("PG_URL: %w", err)
		}
		u.Path = "/" + svc
		s.DatabaseURLs[svc], s.AdminURLs[svc] = u.String(), u.String()
	}
	return nil
}

// createDatabases gives each PostgreSQL service its own database, owned by
// its own role, which no other role may connect to.
func (s *Stack) createDatabases(ctx context.Context) error {
	s.DatabaseURLs, s.AdminURLs = map[string]string{}, map[string]string{}
	conn, err := pgx.Connect(ctx, s.Postgres.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect postgres: %w", err)
	}
	defer conn.Close(ctx)
	for _, svc := range DatabaseServices {
		role, db := svc+"_svc", svc
		if err := ensureRoleAndDB(ctx, conn, role, db); err != nil {
			return err
		}
		base := s.Postgres.URL(db)
		s.AdminURLs[svc] = base
		// The throwaway cluster trusts local connections, so the role needs
		// no password here; compose gives each role a password from the environment.
		s.DatabaseURLs[svc] = fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable",
			role, s.Postgres.Port(), db)
	}
	return nil
}

func ensureRoleAndDB(ctx context.Context, conn *pgx.Conn, role, db string) error {
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil {
		return fmt.Errorf("look up role %s: %w", role, err)
	}
	r, d := pgx.Identifier{role}.Sanitize(), pgx.Identifier{db}.Sanitize()
	if !exists {
		if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE ROLE %s LOGIN`, r)); err != nil {
			return fmt.Errorf("create role %s: %w", role, err)
		}
	}
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, db).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", db, err)
	}
	if exists {
		return nil
	}
	for _, stmt := range []string{
		fmt.Sprintf(`CREATE DATABASE %s OWNER %s`, d, r),
		fmt.Sprintf(`REVOKE ALL ON DATABASE %s FROM PUBLIC`, d),
		fmt.Sprintf(`GRANT CONNECT, TEMPORARY ON DATABASE %s TO %s`, d, r),
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("create database %s: %w", db, err)
		}
	}
	return nil
}
