package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/config"
	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/services/order/internal/adapters/inventory"
	"github.com/eventshop/eventshop/services/order/internal/adapters/metrics"
	"github.com/eventshop/eventshop/services/order/internal/app"
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
	prices := inventory.NewClient(cfg.InventoryURL, inventory.Options{Timeout: cfg.InventoryTimeout})
	a := service.NewApplication(service.Dependencies{
		Pool: pool, JetStream: b.JetStream(), Metrics: m, Prices: prices,
	})
	srv := httpserver.New(log, "order")
	srv.AddReadyCheck("database", pool.Ping)
	srv.AddReadyCheck("nats", b.Ready)
	srv.AddBreakers(prices)
	ports.NewHTTPServer(a, log).Register(srv.Echo, verifier)
	relay := startRelay(ctx, outbox.NewRelay(pool, b, log, outbox.Options{}))
	err = serve(ctx, cfg, pool, a, srv, ports.NewEventHandlers(pool, service.RepositoryInTx(pool), m, log), b, log, relay.failed)
	return errors.Join(err, relay.stop())
}

// serve runs the parts that write until ctx is done or one fails: the HTTP
// API, the saga's consumers, the saga timeout and the expiry of
// idempotency keys and inbox rows.
func serve(ctx context.Context, cfg settings, pool *pgxpool.Pool, a app.Application, srv *httpserver.Server,
	h *ports.EventHandlers, b *bus.Bus, log *slog.Logger, relayFailed <-chan error) error {
	consumers, err := h.Consume(ctx, b)
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		select {
		case err := <-relayFailed:
			return fmt.Errorf("outbox relay: %w", err)
		case <-ctx.Done():
		}
		for _, c := range consumers {
			c.Stop()
		}
		return nil
	})
	g.Go(func() error { return ports.NewSagaTimeout(a.Commands.CancelExpired, cfg.SagaTimeout, log).Run(ctx) })
	g.Go(func() error { return ports.NewKeyExpiry(a.Commands.ExpireKeys, cfg.IdempotencyKeyTTL, log).Run(ctx) })
	g.Go(func() error { return inbox.PruneEvery(ctx, pool, inbox.PruneInterval, cfg.InboxRetention, log) })
	g.Go(func() error { return srv.Run(ctx, cfg.HTTPAddr) })
	return g.Wait()
}

// relayRun is the outbox relay running in the background. It is stopped
// last, after everything that writes events, so that the events of the last
// transactions are published before the process exits.
type relayRun struct {
	cancel context.CancelFunc
	done   chan error
	failed chan error
}

func startRelay(ctx context.Context, r *outbox.Relay) *relayRun {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	run := &relayRun{cancel: cancel, done: make(chan error, 1), failed: make(chan error, 1)}
	go func() {
		err := r.Run(ctx)
		if ctx.Err() == nil {
			// Reported by serve, which stops the service because of it.
			run.failed <- fmt.Errorf("stopped early: %w", err)
			err = nil
		}
		run.done <- err
	}()
	return run
}

// stop ends the relay after its final flush; a relay that stopped early
// was reported through failed and is not reported again.
func (r *relayRun) stop() error {
	r.cancel()
	return <-r.done
}
