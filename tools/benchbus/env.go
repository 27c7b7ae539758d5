package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats-server/v2/server"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/testkit"
)

// env is the infrastructure of one run.
type env struct {
	log  *slog.Logger
	dir  string
	nats *server.Server
	pg   *testkit.PGCluster
	pool *pgxpool.Pool
	bus  *bus.Bus
}

// startEnv starts NATS with file storage in a temporary directory and a
// PostgreSQL cluster with its durability settings on, and migrates a database.
func startEnv(ctx context.Context, log *slog.Logger) (*env, error) {
	dir, err := os.MkdirTemp("", "benchbus-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	e := &env{log: log, dir: dir}
	if err := e.startNATS(); err != nil {
		e.close()
		return nil, err
	}
	if e.pg, err = testkit.StartPostgres(testkit.PGOptions{Fsync: true}); err != nil {
		e.close()
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	if err := e.pg.CreateDatabase(ctx, "bench"); err != nil {
		e.close()
		return nil, err
	}
	if e.pool, err = pgdb.Open(ctx, e.pg.URL("bench"), nil); err != nil {
		e.close()
		return nil, err
	}
	if e.bus, err = bus.Connect(ctx, e.nats.ClientURL(), "benchbus", log); err != nil {
		e.close()
		return nil, err
	}
	if err := e.bus.Provision(ctx); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *env) startNATS() error {
	opts := &server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true,
		JetStream: true, StoreDir: e.dir, MaxPayload: 8 << 20,
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("nats server: %w", err)
	}
	s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return fmt.Errorf("nats server not ready")
	}
	e.nats = s
	return nil
}

func (e *env) close() {
	if e.bus != nil {
		e.bus.Close()
	}
	if e.pool != nil {
		e.pool.Close()
	}
	if e.pg != nil {
		if err := e.pg.Stop(); err != nil {
			e.log.Warn("stop postgres", "error", err)
		}
	}
	if e.nats != nil {
		e.nats.Shutdown()
		e.nats.WaitForShutdown()
	}
	_ = os.RemoveAll(e.dir)
}
