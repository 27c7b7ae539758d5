package service

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/services/order/migrations"
)

// Migrate applies the order database's migrations, waiting for the database
// as long as ctx allows, and returns: `order migrate` runs it as a Kubernetes
// init container. Serve applies them too, so a service started without it
// (make run, docker compose) migrates its own database.
func Migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	pool, err := pgdb.NewPool(cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer pool.Close()
	return pgdb.AwaitMigrated(ctx, pool, migrations.FS, log)
}
