package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/sony/gobreaker/v2"
	"golang.org/x/sync/errgroup"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/pkg/leader"
	"github.com/eventshop/eventshop/pkg/outage"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/services/payment/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/payment/internal/adapters/provider"
	"github.com/eventshop/eventshop/services/payment/internal/app"
	"github.com/eventshop/eventshop/services/payment/internal/ports"
	"github.com/eventshop/eventshop/services/payment/migrations"
)

// Service is a payment service built and not yet serving; its database and
// NATS may still be down.
type Service struct {
	cfg      Config
	log      *slog.Logger
	pool     *pgxpool.Pool
	bus      *bus.Bus
	provider *provider.Client
	saga     *ports.Saga
	http     *httpserver.Server
	metrics  *httpserver.Registry
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
	reg := httpserver.NewRegistry("payment")
	b, err := bus.Connect(ctx, cfg.NATSURL, "payment", log, bus.WithRedelivery(cfg.Redelivery), bus.WithStreamReplicas(cfg.StreamReplicas),
		bus.WithMetrics(bus.NewMetrics(reg.Registerer())))
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect bus: %w", err)
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
	s.provider = provider.New(provider.Config{
		BaseURL: s.cfg.ProviderURL, Timeout: s.cfg.ProviderTimeout, Attempts: s.cfg.ProviderAttempts,
		Backoff: s.cfg.ProviderBackoff, TripAfter: s.cfg.BreakerTripAfter, OpenFor: s.cfg.BreakerOpenFor,
		OnStateChange: func(from, to gobreaker.State) {
			s.log.Warn("breaker changed state", slog.String("breaker", provider.BreakerName),
				slog.String("from", from.String()), slog.String("to", to.String()))
		},
	})
	payments := postgres.NewPayments(s.pool)
	now := func() time.Time { return time.Now().UTC() }
	application := app.New(payments, s.provider, now)
	s.saga = &ports.Saga{App: application, Pool: s.pool, Parallel: s.cfg.ProviderParallel, Log: s.log,
		Payments: payments, Storage: SagaStorage{Payments: payments, Handoff: s.handoff},
		Duplicates: inbox.NewDuplicates(s.metrics.Registerer())}
	s.http = httpserver.New(s.log, "payment", httpserver.WithRegistry(s.metrics))
	s.http.AddReadyCheck("database", s.pool.Ping)
	s.metrics.Registerer().MustRegister(pgdb.NewOutboxBacklog(s.pool))
	s.http.AddReadyCheck("nats", s.bus.Ready)
	s.http.AddBreakers(s.provider)
	ports.HTTP{App: application, Verifier: verifier}.Register(s.http.Echo)
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

// prepare waits for the database, migrating it, and for NATS, provisioning
// the streams, however long they take to come.
func (s *Service) prepare(ctx context.Context) error {
	if err := pgdb.AwaitMigrated(ctx, s.pool, migrations.FS, s.log); err != nil {
		return err
	}
	if err := outage.Await(ctx, s.log, "nats", outage.Backoff{}, s.bus.Provision); err != nil {
		return fmt.Errorf("provision streams: %w", err)
	}
	return nil
}

// Serve serves /healthz at once and /readyz as not ready until the database
// and NATS are there (prepare); then it runs the consumers, the outbox relay
// and the HTTP API on ln until ctx is done, stops them in order (consumers
// drain, the relay flushes) and closes the connections.
func (s *Service) Serve(ctx context.Context, ln net.Listener) error {
	defer s.close()
	started := s.http.Starting()
	web := s.http.Start(ctx, ln)
	if err := s.prepare(ctx); err != nil {
		return errors.Join(startError(err), web.Stop())
	}
	consumers, err := s.startConsumers(ctx)
	if err != nil {
		return errors.Join(startError(err), web.Stop())
	}
	started()
	g, gctx := errgroup.WithContext(ctx)
	relay := outbox.NewRelay(s.pool, s.bus, s.log, outbox.Options{Handoff: s.handoff, Metrics: outbox.NewMetrics(s.metrics.Registerer())})
	g.Go(func() error { return relay.Run(gctx) })
	g.Go(func() error { return web.Wait(gctx) })
	// One replica, elected, voids orphans and prunes the inbox for all.
	g.Go(func() error {
		return leader.NewPostgres(s.pool, "payment-jobs", 0, s.log).Run(gctx,
			func(ctx context.Context) error { s.sweepOrphans(ctx); return nil },
			func(ctx context.Context) error {
				return inbox.PruneEvery(ctx, s.pool, inbox.PruneInterval, s.cfg.InboxRetention, s.log)
			})
	})
	<-gctx.Done()
	for _, c := range consumers {
		c.Stop()
	}
	if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// startError is nil when the start was cut short by the shutdown.
func startError(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func (s *Service) startConsumers(ctx context.Context) ([]*bus.Consumer, error) {
	var started []*bus.Consumer
	for _, spec := range s.saga.Consumers() {
		c, err := s.bus.Consume(ctx, spec.Config, spec.Handler)
		if err != nil {
			for _, c := range started {
				c.Stop()
			}
			return nil, fmt.Errorf("consume %s: %w", spec.Config.Durable, err)
		}
		started = append(started, c)
	}
	return started, nil
}

func (s *Service) close() {
	s.bus.Close()
	s.pool.Close()
}
