package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/config"
	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/services/inventory/internal/adapters"
	"github.com/eventshop/eventshop/services/inventory/internal/app"
	"github.com/eventshop/eventshop/services/inventory/internal/ports"
	"github.com/eventshop/eventshop/services/inventory/migrations"
)

// run starts the service and blocks until ctx is done. Shutdown goes from the
// outside in: HTTP stops taking requests, the consumer finishes the batch in
// hand, then the relay publishes what those batches wrote and stops.
func run(ctx context.Context, log *slog.Logger) error {
	var cfg Config
	if err := config.Load("INVENTORY_", &cfg); err != nil {
		return err
	}
	log.Info("starting", slog.Any("config", config.LogValue(cfg)))
	verifier, err := auth.NewVerifier(ctx, cfg.Auth())
	if err != nil {
		return fmt.Errorf("token verifier: %w", err)
	}
	pool, err := openDatabase(ctx, log, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	b, err := connectBus(ctx, log, cfg.NATSURL)
	if err != nil {
		return err
	}
	defer b.Close()

	relayCtx, stopRelay := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRelay()
	relayDone := make(chan error, 1)
	go func() { relayDone <- outbox.NewRelay(pool, b, log, outbox.Options{}).Run(relayCtx) }()

	application := app.New(adapters.NewPostgresRepository(pool), adapters.NewPostgresReadModel(pool))
	consumer, err := ports.NewEventHandlers(application).Consume(context.WithoutCancel(ctx), b, pool)
	if err != nil {
		return err
	}
	srv := httpserver.New(log, "inventory")
	srv.AddReadyCheck("database", pool.Ping)
	srv.AddReadyCheck("nats", b.Ready)
	ports.NewHTTPServer(application).Register(srv.Echo, verifier)

	httpErr := srv.Run(ctx, cfg.HTTPAddr)
	consumer.Stop()
	awaitOutboxFlushed(relayCtx, log, pool)
	stopRelay()
	return errors.Join(httpErr, <-relayDone)
}

// flushTimeout bounds the wait for the relay to publish the last events at
// shutdown; whatever is left is published by the next start (or a replica).
const flushTimeout = 5 * time.Second

// awaitOutboxFlushed waits until the relay published every outbox row, so
// that the effects of the consumer's last batch reach NATS before exit.
func awaitOutboxFlushed(ctx context.Context, log *slog.Logger, pool *pgxpool.Pool) {
	ctx, cancel := context.WithTimeout(ctx, flushTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		var pending int64
		err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE sent_at IS NULL`).Scan(&pending)
		if err == nil && pending == 0 {
			return
		}
		select {
		case <-ctx.Done():
			log.Warn("outbox not flushed at shutdown", slog.Int64("pending", pending), slog.Any("error", err))
			return
		case <-tick.C:
		}
	}
}

func openDatabase(ctx context.Context, log *slog.Logger, cfg Config) (*pgxpool.Pool, error) {
	pool, err := pgdb.Open(ctx, cfg.DatabaseURL, migrations.FS)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if !cfg.Seed {
		return pool, nil
	}
	n, err := adapters.Seed(ctx, pool, adapters.Catalogue)
	if err != nil {
		pool.Close()
		return nil, err
	}
	log.Info("catalogue seeded", slog.Int64("inserted", n))
	return pool, nil
}

func connectBus(ctx context.Context, log *slog.Logger, url string) (*bus.Bus, error) {
	b, err := bus.Connect(ctx, url, "inventory", log)
	if err != nil {
		return nil, fmt.Errorf("connect nats: %w", err)
	}
	if err := b.Provision(ctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("provision streams: %w", err)
	}
	return b, nil
}
