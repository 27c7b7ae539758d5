package pgdb

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrate applies the platform migrations and then the service's migrations
// (nil for none) to the pool's database. Each set runs under its own
// PostgreSQL advisory lock, so replicas that start together wait for one
// another instead of racing to create the same tables.
func Migrate(ctx context.Context, pool *pgxpool.Pool, migrations fs.FS) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	if err := up(ctx, db, Platform(), PlatformVersionTable, platformLockID); err != nil {
		return fmt.Errorf("platform migrations: %w", err)
	}
	if migrations == nil {
		return nil
	}
	root, err := migrationsRoot(migrations)
	if err != nil || root == nil {
		return err
	}
	if err := up(ctx, db, root, goose.DefaultTablename, serviceLockID); err != nil {
		return fmt.Errorf("service migrations: %w", err)
	}
	return nil
}

func up(ctx context.Context, db *sql.DB, fsys fs.FS, table string, lockID int64) error {
	// Retry the lock every second for up to five minutes: goose's default
	// five-second period would slow down every replica that starts second.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID), lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("session locker: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithTableName(table),
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("goose provider: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("goose up: %w", err)
	}
	return nil
}
