package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/pkg/leader"
	"github.com/eventshop/eventshop/pkg/outage"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/services/inventory/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/inventory/internal/app"
	"github.com/eventshop/eventshop/services/inventory/internal/ports"
	"github.com/eventshop/eventshop/services/inventory/migrations"
)

// flushTimeout bounds the wait for the relay to publish the last events at
// shutdown; whatever is left is published by the next start (or a replica).
const flushTimeout = 5 * time.Second

// Service is an inventory service built and not yet serving; its database
// and NATS may still be down.
type Service struct {
	cfg     Config
	log     *slog.Logger
	pool    *pgxpool.Pool
	bus     *bus.Bus
	events  ports.EventHandlers
	http    *httpserver.Server
	metrics *httpserver.Registry
	// handoff lets the writers hand their events to the relay as they
	// commit (outbox.Handoff); both are given it here.
	handoff *outbox.Handoff
}

// New builds the service on a pool and a NATS connection that are made
// without waiting for the database or NATS: Serve waits for them.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	pool, err := pgdb.NewPool(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	reg := httpserver.NewRegistry("inventory")
	b, err := bus.Connect(ctx, cfg.NATSURL, "inventory", log, bus.WithRedelivery(cfg.Redelivery), bus.WithStreamReplicas(cfg.StreamReplicas),
		bus.WithMetrics(bus.NewMetrics(reg.Registerer())))
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect nats: %w", err)
	}
	s := &Service{cfg: cfg, log: log, pool: pool, bus: b, metrics: reg, handoff: outbox.NewHandoff()}
	if err := s.build(ctx); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *Service) build(ctx context.Context) error {
	verifier, err := auth.NewVerifier(ctx, s.cfg.Auth)
	if err != nil {
		return fmt.Errorf("token verifier: %w", err)
	}
	application := app.New(postgres.NewRepository(s.pool), postgres.NewReadModel(s.pool))
	s.events = ports.NewEventHandlers(OrderBatches(s.pool, s.handoff), inbox.NewDuplicates(s.metrics.Registerer()).For(ports.OrdersConsumer))
	s.http = httpserver.New(s.log, "inventory", httpserver.WithRegistry(s.metrics))
	s.http.AddReadyCheck("database", s.pool.Ping)
	s.metrics.Registerer().MustRegister(pgdb.NewOutboxBacklog(s.pool))
	s.http.AddReadyCheck("nats", s.bus.Ready)
	ports.NewHTTPServer(application).Register(s.http.Echo, verifier)
	return nil
}

// prepare waits for the database, migrating and seeding it, and for NATS,
// provisioning the streams, however long they take to come.
func (s *Service) prepare(ctx context.Context) error {
	if err := pgdb.AwaitMigrated(ctx, s.pool, migrations.FS, s.log); err != nil {
		return err
	}
	if err := outage.Await(ctx, s.log, "database", outage.Backoff{}, s.seed); err != nil {
		return err
	}
	if err := outage.Await(ctx, s.log, "nats", outage.Backoff{}, s.bus.Provision); err != nil {
		return fmt.Errorf("provision streams: %w", err)
	}
	return nil
}

func (s *Service) seed(ctx context.Context) error {
	if !s.cfg.Seed {
		return nil
	}
	n, err := postgres.Seed(ctx, s.pool, postgres.Catalogue)
	if err != nil {
		return err
	}
	s.log.Info("catalogue seeded", slog.Int64("inserted", n))
	return nil
}

// Run serves on the configured address until ctx is done.
func (s *Service) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.HTTPAddr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves /healthz at once and /readyz as not ready until the database
// and NATS are there (prepare); then it runs the consumer, the outbox relay
// and the rest of the HTTP API on ln until ctx is done, and closes the
// connections. Shutdown goes from the outside in: HTTP stops taking
// requests, the consumer finishes the batch in hand, then the relay
// publishes what those batches wrote and stops.
func (s *Service) Serve(ctx context.Context, ln net.Listener) error {
	defer s.close()
	started := s.http.Starting()
	web := s.http.Start(ctx, ln)
	if err := s.prepare(ctx); err != nil {
		return errors.Join(startError(err), web.Stop())
	}
	relayCtx, stopRelay := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRelay()
	relayDone := make(chan error, 1)
	go func() {
		relayDone <- outbox.NewRelay(s.pool, s.bus, s.log, outbox.Options{Handoff: s.handoff, Metrics: outbox.NewMetrics(s.metrics.Registerer())}).Run(relayCtx)
	}()

	consumer, err := s.events.Consume(context.WithoutCancel(ctx), s.bus, s.pool)
	if err != nil {
		return errors.Join(err, web.Stop())
	}
	started()
	pruneCtx, stopPruning := context.WithCancel(ctx)
	pruned := make(chan error, 1)
	go func() {
		// One replica, elected, prunes the inbox for all.
		pruned <- leader.NewPostgres(s.pool, "inventory-jobs", 0, s.log).Run(pruneCtx, func(ctx context.Context) error {
			return inbox.PruneEvery(ctx, s.pool, inbox.PruneInterval, s.cfg.InboxRetention, s.log)
		})
	}()
	httpErr := web.Wait(ctx)
	stopPruning()
	<-pruned
	consumer.Stop()
	s.awaitOutboxFlushed(relayCtx)
	stopRelay()
	return errors.Join(httpErr, <-relayDone)
}

// startError is nil when the start was cut short by the shutdown.
func startError(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// awaitOutboxFlushed waits until the relay published every outbox row, so
// that the effects of the consumer's last batch reach NATS before exit.
func (s *Service) awaitOutboxFlushed(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, flushTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		var pending int64
		err := s.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE sent_at IS NULL`).Scan(&pending)
		if err == nil && pending == 0 {
			return
		}
		select {
		case <-ctx.Done():
			s.log.Warn("outbox not flushed at shutdown", slog.Int64("pending", pending), slog.Any("error", err))
			return
		case <-tick.C:
		}
	}
}

func (s *Service) close() {
	s.bus.Close()
	s.pool.Close()
}
