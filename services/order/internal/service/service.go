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
	"github.com/eventshop/eventshop/pkg/leader"
	"github.com/eventshop/eventshop/pkg/outage"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/services/order/internal/adapters/inventory"
	"github.com/eventshop/eventshop/services/order/internal/adapters/livefeed"
	"github.com/eventshop/eventshop/services/order/internal/adapters/metrics"
	"github.com/eventshop/eventshop/services/order/internal/app"
	"github.com/eventshop/eventshop/services/order/internal/ports"
	"github.com/eventshop/eventshop/services/order/migrations"
)

// Service is an order service built and not yet serving; its database and
// NATS may still be down.
type Service struct {
	cfg     Config
	log     *slog.Logger
	pool    *pgxpool.Pool
	bus     *bus.Bus
	app     app.Application
	events  *ports.EventHandlers
	http    *httpserver.Server
	metrics *httpserver.Registry
	// handoff lets the writers hand their events to the relay as they
	// commit (outbox.Handoff); both are given it here.
	handoff *outbox.Handoff
	// prices looks prices up on inventory's replicas, whose readiness it
	// watches while the service serves.
	prices *inventory.Client
}

// New builds the service on a pool and a NATS connection that are made
// without waiting for the database or NATS: Serve waits for them.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	pool, err := pgdb.NewPool(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	reg := httpserver.NewRegistry("order")
	b, err := bus.Connect(ctx, cfg.NATSURL, "order", log, bus.WithRedelivery(cfg.Redelivery), bus.WithStreamReplicas(cfg.StreamReplicas),
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
	m := metrics.New(s.metrics.Registerer())
	if _, err := startSagaClock(s.bus.Conn(), m.SagaTimed); err != nil {
		return err
	}
	prices, err := inventory.NewClient(s.cfg.InventoryURL, inventory.Options{Timeout: s.cfg.InventoryTimeout, Log: s.log})
	if err != nil {
		return err
	}
	s.prices = prices
	traces, traceBreakers := traceStore(s.cfg)
	s.app = NewApplication(Dependencies{Pool: s.pool, JetStream: s.bus.JetStream(), Metrics: m, Prices: prices, Handoff: s.handoff,
		Traces: traces})
	s.events = ports.NewEventHandlers(s.pool, SagaBatches(s.handoff), m, s.log,
		inbox.NewDuplicates(s.metrics.Registerer()).For(ports.SagaConsumer))
	s.http = httpserver.New(s.log, "order", httpserver.WithRegistry(s.metrics))
	s.http.AddReadyCheck("database", s.pool.Ping)
	s.metrics.Registerer().MustRegister(pgdb.NewOutboxBacklog(s.pool))
	s.http.AddReadyCheck("nats", s.bus.Ready)
	s.http.AddBreakers(append([]httpserver.Breaker{prices}, traceBreakers...)...)
	ports.NewHTTPServer(s.app, s.log).Register(s.http.Echo, verifier)
	ports.NewStreams(s.app, followOn(livefeed.New(s.bus.Conn())), s.http.Draining(), s.log, ports.StreamOptions{}).
		Register(s.http.Echo, verifier)
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
// and NATS are there (prepare); then it runs the service on ln until ctx is
// done or a part fails, and closes the connections. The outbox relay is
// stopped last, after everything that writes events, so that the events of
// the last transactions are published before the process exits.
func (s *Service) Serve(ctx context.Context, ln net.Listener) error {
	defer s.close()
	started := s.http.Starting()
	web := s.http.Start(ctx, ln)
	if err := s.prepare(ctx); err != nil {
		return errors.Join(startError(err), web.Stop())
	}
	relay := startRelay(ctx, outbox.NewRelay(s.pool, s.bus, s.log, outbox.Options{Handoff: s.handoff, Metrics: outbox.NewMetrics(s.metrics.Registerer())}))
	err := s.serve(ctx, web, relay.failed, started)
	return errors.Join(err, relay.stop())
}

// startError is nil when the start was cut short by the shutdown.
func startError(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// serve runs the parts that write until ctx is done or one fails: the HTTP
// API, the saga's consumers, and, on the replica elected to, the saga
// timeout and the expiry of idempotency keys and inbox rows. It reports the
// service started (ready) once its consumers run.
func (s *Service) serve(ctx context.Context, web *httpserver.Background, relayFailed <-chan error, started func()) error {
	consumers, err := s.events.Consume(ctx, s.bus)
	if err != nil {
		return errors.Join(startError(err), web.Stop())
	}
	started()
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
	g.Go(func() error { return s.elector().Run(ctx, s.jobs()...) })
	g.Go(func() error { return web.Wait(ctx) })
	g.Go(func() error { return s.prices.Watch(ctx) })
	return g.Wait()
}

// elector elects the one replica that runs the jobs (see jobs).
func (s *Service) elector() *leader.Postgres {
	return leader.NewPostgres(s.pool, "order-jobs", 0, s.log)
}

// jobs are what one replica runs for all of them: the saga timeout and the
// expiry of idempotency keys and inbox rows.
func (s *Service) jobs() []leader.Job {
	cmd, cfg := s.app.Commands, s.cfg
	return []leader.Job{
		ports.NewSagaTimeout(cmd.CancelExpired, cfg.SagaTimeout, s.log).Run,
		ports.NewKeyExpiry(cmd.ExpireKeys, cfg.IdempotencyKeyTTL, s.log).Run,
		func(ctx context.Context) error {
			return inbox.PruneEvery(ctx, s.pool, inbox.PruneInterval, cfg.InboxRetention, s.log)
		},
	}
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
