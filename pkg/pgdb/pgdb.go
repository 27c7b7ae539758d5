// Package pgdb opens a service's PostgreSQL database: a connection pool with
// the platform's own tables (outbox, inbox) and the service's migrations applied.
package pgdb

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/outage"
	"github.com/eventshop/eventshop/pkg/tracing"
)

//go:embed migrations/*.sql
var platformFS embed.FS

// PlatformVersionTable is goose's version table for the platform's own
// migrations, kept apart from the service's goose_db_version so that the two
// sets of version numbers never collide.
const PlatformVersionTable = "platform_goose_db_version"

// Advisory lock ids held while migrating, so that replicas starting at the
// same time apply each migration once ("eventshp" and "eventsvc" in ASCII).
const (
	platformLockID int64 = 0x6576656e74736870
	serviceLockID  int64 = 0x6576656e74737663
)

// Open connects to url, applies the platform migrations and then the
// service's migrations from migrations (nil for none), and returns the pool.
// The root of migrations holds the goose *.sql files; an embed.FS whose only
// entry is a "migrations" directory is accepted too. It fails if the
// database is unavailable; a service uses NewPool and AwaitMigrated instead,
// to wait for it.
func Open(ctx context.Context, url string, migrations fs.FS) (*pgxpool.Pool, error) {
	pool, err := NewPool(url)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	if err := Migrate(ctx, pool, migrations); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// NewPool returns a pool for url without connecting: connections are made
// when they are needed, so the database may be down when the pool is made.
// Only a malformed url is an error. When tracing is enabled, every
// statement run inside a span is a client span (see spanTracer).
func NewPool(url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		applyPoolDefaults(cfg)
	}
	if tracing.Enabled() { // no exporter: spare every statement the no-op tracer's calls
		cfg.ConnConfig.Tracer = newSpanTracer(cfg.ConnConfig)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	return pool, nil
}

// AwaitMigrated applies the migrations (as Migrate) once the database
// answers, retrying with backoff while it is unavailable and logging the
// outage once when it starts and once when it ends. It returns ctx's error
// if ctx ends first, and a migration's own failure (one that leaves the
// database answering) at once, since retrying cannot fix that.
func AwaitMigrated(ctx context.Context, pool *pgxpool.Pool, migrations fs.FS, log *slog.Logger) error {
	return outage.Await(ctx, log, "database", outage.Backoff{}, func(ctx context.Context) error {
		if err := pool.Ping(ctx); err != nil {
			return fmt.Errorf("ping database: %w", err)
		}
		err := Migrate(ctx, pool, migrations)
		if err == nil || outage.Is(err) {
			return err
		}
		// goose does not always keep the driver's error: ask the server.
		if perr := pool.Ping(ctx); perr != nil {
			return outage.Mark(fmt.Errorf("%w (database gone: %w)", err, perr))
		}
		return err
	})
}

// applyPoolDefaults sizes the pool unless the URL says otherwise
// (pool_max_conns=...): a consumer batch, the outbox relay's pipeline and
// HTTP handlers each hold a connection, so pgx's default of max(4, NumCPU) is
// too small on small machines.
func applyPoolDefaults(cfg *pgxpool.Config) {
	cfg.MaxConns = int32(max(16, 4*runtime.NumCPU()))
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.HealthCheckPeriod = 30 * time.Second
}

// Platform returns the platform's own migrations (outbox and inbox tables),
// for tools that inspect them.
func Platform() fs.FS {
	sub, err := fs.Sub(platformFS, "migrations")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}

// migrationsRoot returns fsys itself when it holds *.sql files at its root,
// its "migrations" subdirectory when that is where they are, or nil when
// there are none.
func migrationsRoot(fsys fs.FS) (fs.FS, error) {
	if sql, _ := fs.Glob(fsys, "*.sql"); len(sql) > 0 {
		return fsys, nil
	}
	if sql, _ := fs.Glob(fsys, path.Join("migrations", "*.sql")); len(sql) > 0 {
		return fs.Sub(fsys, "migrations")
	}
	return nil, nil
}
