package service

import (
	"context"
	"fmt"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/outage"
	mongorepo "github.com/eventshop/eventshop/services/notification/internal/adapters/mongo"
	"github.com/eventshop/eventshop/services/notification/migrations"
)

// Migrate creates the notification database's collections and indexes,
// waiting for MongoDB as long as ctx allows, and returns: `notification
// migrate` runs it as a Kubernetes init container. Serve creates them too,
// so a service started without it (make run, docker compose) prepares its
// own database.
func Migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	client, err := mongo.Connect(options.Client().ApplyURI(cfg.MongoURL))
	if err != nil {
		return fmt.Errorf("connect mongo: %w", err)
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(ctx)) }()
	db := client.Database(cfg.MongoDatabase)
	return outage.Await(ctx, log, "mongo", outage.Backoff{}, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, mongoAttemptTimeout)
		defer cancel()
		return migrations.Apply(ctx, db.Collection(mongorepo.Collection), db.Collection(mongorepo.Unfinished))
	})
}
