package main

import (
	"context"
	"fmt"
	"log/slog"

	"golang.org/x/sync/errgroup"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/config"
	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/services/order/internal/adapters/inventory"
	"github.com/eventshop/eventshop/services/order/internal/adapters/metrics"
	"github.com/eventshop/eventshop/services/order/internal/ports"
	"github.com/eventshop/eventshop/services/order/internal/service"
	"github.com/eventshop/eventshop/services/order/migrations"
)

// run starts every part of the service and stops them all when ctx is done
// or one of them fails.
func run(ctx context.Context, log *slog.Logger) error {
	var cfg settings
	if err := config.Load("ORDER_", &cfg); err != nil {
		return err
	}
	log.Info("starting order service", "config", config.LogValue(cfg))
	pool, err := pgdb.Open(ctx, cfg.DatabaseURL, migrations.FS)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer pool.Close()
	b, err := bus.Connect(ctx, cfg.NATSURL, "order", log)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.Provision(ctx); err != nil {
		return fmt.Errorf("provision streams: %w", err)
	}
	verifier, err := auth.NewVerifier(ctx, auth.Config{
		Secret: cfg.JWTSecret, JWKSURL: cfg.JWKSURL, Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience,
	})
	if err != nil {
		return fmt.Errorf("token verifier: %w", err)
	}
	m := metrics.Prometheus{}
	a := service.NewApplication(service.Dependencies{
		Pool: pool, JetStream: b.JetStream(), Metrics: m,
		Prices: inventory.NewClient(cfg.InventoryURL, inventory.Options{Timeout: cfg.InventoryTimeout}),
	})
	consumers, err := ports.NewEventHandlers(pool, service.RepositoryInTx(pool), m, log).Consume(ctx, b)
	if err != nil {
		return err
	}
	defer func() {
		for _, c := range consumers {
			c.Stop()
		}
	}()
	srv := httpserver.New(log, "order")
	srv.AddReadyCheck("database", pool.Ping)
	srv.AddReadyCheck("nats", b.Ready)
	ports.NewHTTPServer(a).Register(srv.Echo, verifier)

	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return outbox.NewRelay(pool, b, log, outbox.Options{}).Run(ctx) })
	g.Go(func() error { return ports.NewSagaTimeout(a.Commands.CancelExpired, cfg.SagaTimeout, log).Run(ctx) })
	g.Go(func() error { return srv.Run(ctx, cfg.HTTPAddr) })
	return g.Wait()
}
