package testkit

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// pgServer is the server the per-process databases are created in: the
// throwaway cluster, or the one PG_URL names.
type pgServer struct {
	adminURL string
	admin    *pgxpool.Pool
	cluster  *PGCluster // nil when PG_URL is used
	prefix   string     // of database names, unique per process on a shared server
}

var (
	pgOnce   sync.Once
	pgShared *pgServer
	pgErr    error
	dbSeq    atomic.Int64
)

// Postgres returns the URL of a fresh, empty database, dropped when the test
// ends. Databases live in one throwaway cluster per test process, started on
// first use, or in the server PG_URL names when it is set. Call Main from
// TestMain so the cluster is stopped after the tests.
func Postgres(t testing.TB) string {
	t.Helper()
	s := sharedPostgres(t)
	name := fmt.Sprintf("%s%d", s.prefix, dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := createDatabase(ctx, s.admin, name); err != nil {
		t.Fatalf("testkit: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := dropDatabase(ctx, s.admin, name); err != nil {
			t.Errorf("testkit: %v", err)
		}
	})
	return s.databaseURL(name)
}

// PostgresAdminURL returns the URL of the server's postgres database as a
// superuser, for tests that manage databases or roles themselves.
func PostgresAdminURL(t testing.TB) string {
	t.Helper()
	return sharedPostgres(t).adminURL
}

func sharedPostgres(t testing.TB) *pgServer {
	t.Helper()
	pgOnce.Do(func() { pgShared, pgErr = startSharedPostgres() })
	if pgErr != nil {
		t.Fatalf("testkit: postgres: %v", pgErr)
	}
	return pgShared
}

func startSharedPostgres() (*pgServer, error) {
	if u := os.Getenv("PG_URL"); u != "" {
		admin, err := pgxpool.New(context.Background(), u)
		if err != nil {
			return nil, fmt.Errorf("connect PG_URL: %w", err)
		}
		return &pgServer{adminURL: u, admin: admin, prefix: fmt.Sprintf("test_%d_", os.Getpid())}, nil
	}
	removeStale(pgTempPrefix)
	c, err := StartPostgres(PGOptions{})
	if err != nil {
		return nil, err
	}
	return &pgServer{adminURL: c.URL("postgres"), admin: c.admin, cluster: c, prefix: "test_"}, nil
}

func (s *pgServer) databaseURL(name string) string {
	u, err := url.Parse(s.adminURL)
	if err != nil { // parsed successfully when the pool was made
		panic(fmt.Sprintf("testkit: parse admin url: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

// stopSharedPostgres stops the per-process cluster, if one was started.
func stopSharedPostgres() error {
	if pgShared == nil {
		return nil
	}
	if pgShared.cluster == nil {
		pgShared.admin.Close()
		return nil
	}
	return pgShared.cluster.Stop()
}
