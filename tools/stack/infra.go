package stack

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats-server/v2/server"

	"github.com/eventshop/eventshop/testkit"
)

// infra is the infrastructure the services need, all on 127.0.0.1.
type infra struct {
	nats   *server.Server
	pg     *testkit.PGCluster
	ferret *testkit.Ferret
}

func (s *Stack) startInfra(ctx context.Context) error {
	s.infra = &infra{}
	if err := s.startNATS(); err != nil {
		return err
	}
	if err := s.startPostgres(ctx); err != nil {
		return err
	}
	var err error
	port := s.fixed(27017)
	if port == 0 {
		if port, err = freePort(); err != nil {
			return err
		}
	}
	ferret, err := testkit.StartFerret(s.ferretDir(), fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return fmt.Errorf("start ferretdb: %w", err)
	}
	s.infra.ferret = ferret
	s.MongoURL = ferret.URL()
	return nil
}

// ferretDir holds FerretDB's SQLite files.
func (s *Stack) ferretDir() string { return filepath.Join(s.opts.DataDir, "ferretdb") }

// fixed returns port when the stack uses fixed ports and 0 (a free port) otherwise.
func (s *Stack) fixed(port int) int {
	if s.opts.FixedPorts {
		return port
	}
	return 0
}

func (s *Stack) startNATS() error {
	port := s.fixed(4222)
	if port == 0 {
		port = server.RANDOM_PORT
	}
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: port, JetStream: true, NoSigs: true,
		StoreDir: filepath.Join(s.opts.DataDir, "nats"), ServerName: "eventshop",
	})
	if err != nil {
		return fmt.Errorf("nats server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return fmt.Errorf("nats server not ready")
	}
	s.infra.nats = ns
	s.NATSURL = ns.ClientURL()
	return nil
}

// startPostgres starts the cluster from the local server binaries, or uses
// the server at Options.PostgresURL when one is given.
func (s *Stack) startPostgres(ctx context.Context) error {
	if s.opts.PostgresURL != "" {
		return s.useServer(ctx, s.opts.PostgresURL)
	}
	pg, err := testkit.StartPostgres(testkit.PGOptions{
		DataDir: filepath.Join(s.opts.DataDir, "postgres"), Fsync: s.opts.Fsync, Port: s.fixed(5432),
	})
	if err != nil {
		return fmt.Errorf("start postgres: %w (or set PG_URL to a PostgreSQL server to use instead)", err)
	}
	s.infra.pg = pg
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
	conn, err := pgx.Connect(ctx, s.infra.pg.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect postgres: %w", err)
	}
	defer conn.Close(ctx)
	for _, svc := range DatabaseServices {
		role, db := svc+"_svc", svc
		if err := ensureRoleAndDB(ctx, conn, role, db); err != nil {
			return err
		}
		base := s.infra.pg.URL(db)
		s.AdminURLs[svc] = base
		// The throwaway cluster trusts local connections, so the role needs
		// no password here; compose gives each role a password from the environment.
		s.DatabaseURLs[svc] = fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable",
			role, s.infra.pg.Port(), db)
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

func (i *infra) stop() {
	if i.ferret != nil {
		i.ferret.Stop()
	}
	if i.pg != nil {
		_ = i.pg.Stop()
	}
	if i.nats != nil {
		i.nats.Shutdown()
		i.nats.WaitForShutdown()
	}
}
