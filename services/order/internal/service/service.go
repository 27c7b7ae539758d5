package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/services/order/internal/adapters/inventory"
	"github.com/eventshop/eventshop/services/order/internal/adapters/metrics"
	"github.com/eventshop/eventshop/services/order/internal/app"
	"github.com/eventshop/eventshop/services/order/internal/ports"
	"github.com/eventshop/eventshop/services/order/migrations"
)

// Service is a started order service, connected and migrated, not yet
// serving.
type Service struct {
	cfg    Config
	log    *slog.Logger
	pool   *pgxpool.Pool
	bus    *bus.Bus
	app    app.Application
	events *ports.EventHandlers
	http   *httpserver.Server
}

// New connects to the database (applying migrations) and to NATS
// (provisioning the streams) and builds the service.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	pool, err := pgdb.Open(ctx, cfg.DatabaseURL, migrations.FS)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	b, err := bus.Connect(ctx, cfg.NATSURL, "order", log)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect nats: %w", err)
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
	m := metrics.Prometheus{}
	prices := inventory.NewClient(s.cfg.InventoryURL, inventory.Options{Timeout: s.cfg.InventoryTimeout})
	s.app = NewApplication(Dependencies{Pool: s.pool, JetStream: s.bus.JetStream(), Metrics: m, Prices: prices})
	s.events = ports.NewEventHandlers(s.pool, RepositoryInTx(s.pool), m, s.log)
	s.http = httpserver.New(s.log, "order")
	s.http.AddReadyCheck("database", s.pool.Ping)
	s.http.AddReadyCheck("nats", s.bus.Ready)
	s.http.AddBreakers(prices)
	ports.NewHTTPServer(s.app, s.log).Register(s.http.Echo, verifier)
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

// Serve runs the service on ln until ctx is done or a part fails, and
// closes the connections. The outbox relay is stopped last, after
// everything that writes events, so that the events of the last
// transactions are published before the process exits.
func (s *Service) Serve(ctx context.Context, ln net.Listener) error {
	defer s.close()
	relay := startRelay(ctx, outbox.NewRelay(s.pool, s.bus, s.log, outbox.Options{}))
	err := s.serve(ctx, ln, relay.failed)
	return errors.Join(err, relay.stop())
}

// serve runs the parts that write until ctx is done or one fails: the HTTP
// API, the saga's consumers, the saga timeout and the expiry of
// idempotency keys and inbox rows.
func (s *Service) serve(ctx context.Context, ln net.Listener, relayFailed <-chan error) error {
	consumers, err := s.events.Consume(ctx, s.bus)
	if err != nil {
		_ = ln.Close()
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
	cmd, cfg := s.app.Commands, s.cfg
	g.Go(func() error { return ports.NewSagaTimeout(cmd.CancelExpired, cfg.SagaTimeout, s.log).Run(ctx) })
	g.Go(func() error { return ports.NewKeyExpiry(cmd.ExpireKeys, cfg.IdempotencyKeyTTL, s.log).Run(ctx) })
	g.Go(func() error { return inbox.PruneEvery(ctx, s.pool, inbox.PruneInterval, cfg.InboxRetention, s.log) })
	g.Go(func() error { return s.http.Serve(ctx, ln) })
	return g.Wait()
}

func (s *Service) close() {
	s.bus.Close()
	s.pool.Close()
}

// relayRun is the outbox relay running in the background, on a context of
// its own so that it outlives the parts that write events.
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
