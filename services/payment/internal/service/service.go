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
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/services/payment/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/payment/internal/adapters/provider"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/app/query"
	"github.com/eventshop/eventshop/services/payment/internal/ports"
	"github.com/eventshop/eventshop/services/payment/migrations"
)

// Service is a started payment service, connected and migrated, not yet serving.
type Service struct {
	cfg      Config
	log      *slog.Logger
	pool     *pgxpool.Pool
	bus      *bus.Bus
	provider *provider.Client
	saga     *ports.Saga
	http     *httpserver.Server
}

// New connects to the database (applying migrations) and to NATS
// (provisioning the streams) and builds the service.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	registerMetrics()
	pool, err := pgdb.Open(ctx, cfg.DatabaseURL, migrations.FS)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	b, err := bus.Connect(ctx, cfg.NATSURL, "payment", log)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect bus: %w", err)
	}
	s := &Service{cfg: cfg, log: log, pool: pool, bus: b}
	if err := s.build(ctx); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *Service) build(ctx context.Context) error {
	if err := s.bus.Provision(ctx); err != nil {
		return fmt.Errorf("provision streams: %w", err)
	}
	verifier, err := auth.NewVerifier(ctx, s.cfg.Auth)
	if err != nil {
		return fmt.Errorf("token verifier: %w", err)
	}
	s.provider = provider.New(provider.Config{
		BaseURL: s.cfg.ProviderURL, Timeout: s.cfg.ProviderTimeout, Attempts: s.cfg.ProviderAttempts,
		Backoff: s.cfg.ProviderBackoff, TripAfter: s.cfg.BreakerTripAfter, OpenFor: s.cfg.BreakerOpenFor,
		OnStateChange: func(from, to gobreaker.State) {
			recordBreaker(provider.BreakerName, to)
			s.log.Warn("breaker changed state", slog.String("breaker", provider.BreakerName),
				slog.String("from", from.String()), slog.String("to", to.String()))
		},
	})
	recordBreaker(provider.BreakerName, gobreaker.StateClosed)
	payments := postgres.NewPayments(s.pool)
	now := func() time.Time { return time.Now().UTC() }
	s.saga = &ports.Saga{
		Authorise: command.Authorise{Payments: payments, Provider: s.provider, Now: now},
		Capture:   command.Capture{Payments: payments, Provider: s.provider, Now: now},
		Cancel:    command.Cancel{Payments: payments, Provider: s.provider, Now: now},
		Orphans:   s.orphans(payments, now),
		Pool:      s.pool, Parallel: s.cfg.ProviderParallel, Log: s.log,
	}
	s.http = httpserver.New(s.log, "payment")
	s.http.AddReadyCheck("database", s.pool.Ping)
	s.http.AddReadyCheck("nats", s.bus.Ready)
	s.http.AddBreakers(s.provider)
	ports.HTTP{List: query.ListPayments{Payments: payments}, Verifier: verifier}.Register(s.http.Echo)
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

// Serve runs the consumers, the outbox relay and the HTTP server on ln until
// ctx is done, then stops them in order (consumers drain, the relay flushes)
// and closes the connections.
func (s *Service) Serve(ctx context.Context, ln net.Listener) error {
	defer s.close()
	consumers, err := s.startConsumers(ctx)
	if err != nil {
		_ = ln.Close()
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	relay := outbox.NewRelay(s.pool, s.bus, s.log, outbox.Options{})
	g.Go(func() error { return relay.Run(gctx) })
	g.Go(func() error { return s.http.Serve(gctx, ln) })
	g.Go(func() error { s.sweepOrphans(gctx); return nil })
	g.Go(func() error { return inbox.PruneEvery(gctx, s.pool, inbox.PruneInterval, s.cfg.InboxRetention, s.log) })
	<-gctx.Done()
	for _, c := range consumers {
		c.Stop()
	}
	if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
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
