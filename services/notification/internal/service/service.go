package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/sony/gobreaker/v2"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"golang.org/x/sync/errgroup"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/pkg/leader"
	"github.com/eventshop/eventshop/pkg/outage"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/pkg/tracing"
	"github.com/eventshop/eventshop/services/notification/internal/adapters/channel"
	mongorepo "github.com/eventshop/eventshop/services/notification/internal/adapters/mongo"
	"github.com/eventshop/eventshop/services/notification/internal/app"
	"github.com/eventshop/eventshop/services/notification/internal/app/command"
	"github.com/eventshop/eventshop/services/notification/internal/app/query"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
	"github.com/eventshop/eventshop/services/notification/internal/ports"
	"github.com/eventshop/eventshop/services/notification/migrations"
)

// flushTimeout bounds the relay's last pass when its term ends, and the
// disconnect at shutdown.
const flushTimeout = 5 * time.Second

// mongoAttemptTimeout bounds one attempt to prepare MongoDB at start-up,
// well below the driver's 30 s server selection, so that the wait for a
// store that is down is logged and retried at a steady pace.
const mongoAttemptTimeout = 5 * time.Second

// leasesCollection holds the lease of the replica elected to relay the
// outbox and sweep.
const leasesCollection = "leases"

// election names the lease of the replica that relays and sweeps.
const election = "notification"

// Service is a notification service built and not yet serving; MongoDB and
// NATS may still be down.
type Service struct {
	cfg     Config
	log     *slog.Logger
	client  *mongo.Client
	bus     *bus.Bus
	channel *channel.Guarded
	events  ports.Events
	worker  *ports.Worker
	leader  *leader.Mongo // elects the replica that relays and whose worker sweeps
	relay   *outbox.MongoRelay
	repo    *mongorepo.Notifications
	http    *httpserver.Server
	metrics *httpserver.Registry
	// deliveries counts notifications recorded and delivery rounds.
	deliveries *deliveryMetrics
}

// New builds the service on a MongoDB client and a NATS connection that are
// made without waiting for MongoDB or NATS: Serve waits for them.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts := options.Client().ApplyURI(cfg.MongoURL)
	if tracing.Enabled() { // no exporter: spare every command the monitor's calls
		opts.SetMonitor(mongorepo.NewCommandSpans().Monitor())
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect mongo: %w", err)
	}
	reg := httpserver.NewRegistry("notification")
	s := &Service{cfg: cfg, log: log, client: client, metrics: reg, deliveries: newDeliveryMetrics(reg.Registerer())}
	if s.bus, err = bus.Connect(ctx, cfg.NATSURL, "notification", log, bus.WithRedelivery(cfg.Redelivery), bus.WithStreamReplicas(cfg.StreamReplicas),
		bus.WithMetrics(bus.NewMetrics(reg.Registerer()))); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("connect bus: %w", err)
	}
	if err := s.build(ctx); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *Service) build(ctx context.Context) error {
	coll := s.collection()
	verifier, err := auth.NewVerifier(ctx, s.cfg.Auth)
	if err != nil {
		return fmt.Errorf("token verifier: %w", err)
	}
	s.channel = s.newChannel()
	handoff := outbox.NewMongoHandoff()
	repo := mongorepo.NewNotifications(coll, handoff)
	s.relay = outbox.NewMongoRelay(coll, s.bus, s.log, outbox.MongoOptions{
		Handoff: handoff,
		Pending: repo.PendingRelay,
		Metrics: outbox.NewMetrics(s.metrics.Registerer()),
		Relayed: func(ctx context.Context, ids []any) {
			if err := repo.Relayed(ctx, ids); err != nil && ctx.Err() == nil {
				s.log.Warn("unlist relayed notifications", slog.Any("error", err))
			}
		},
	})
	s.repo = repo
	application := s.newApplication(repo)
	s.worker = ports.NewWorker(application.Commands.Deliver, s.cfg.PollInterval, s.log)
	// NATS tells a standby at once that the leader's connection closed, as
	// a killed process's does, so that it need not wait for the lease.
	liveness := leader.WithLiveness(leader.NewNATSLiveness(s.bus.Conn(), 0), 0)
	s.leader = leader.NewMongo(s.client.Database(s.cfg.MongoDatabase).Collection(leasesCollection), election, s.cfg.LeaderLease, s.log, liveness)
	s.worker.SweepOnlyWhile(s.leader.Leading)
	s.metrics.Registerer().MustRegister(leader.NewGauge(election, s.leader.Leading))
	s.events = ports.Events{Record: application.Commands.Record}
	s.http = httpserver.New(s.log, "notification", httpserver.WithRegistry(s.metrics))
	s.http.AddReadyCheck("mongo", func(ctx context.Context) error { return s.client.Ping(ctx, nil) })
	s.metrics.Registerer().MustRegister(newOutboxBacklog(coll))
	s.http.AddReadyCheck("nats", s.bus.Ready)
	s.http.AddBreakers(s.channel)
	ports.HTTP{List: application.Queries.ListForCustomer, Verifier: verifier}.Register(s.http.Echo)
	return nil
}

func (s *Service) collection() *mongo.Collection {
	return s.client.Database(s.cfg.MongoDatabase).Collection(mongorepo.Collection)
}

// prepare waits for MongoDB, creating the indexes, and for NATS,
// provisioning the streams, however long they take to come.
func (s *Service) prepare(ctx context.Context) error {
	err := outage.Await(ctx, s.log, "mongo", outage.Backoff{}, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, mongoAttemptTimeout)
		defer cancel()
		db := s.client.Database(s.cfg.MongoDatabase)
		return migrations.Apply(ctx, s.collection(), db.Collection(mongorepo.Unfinished))
	})
	if err != nil {
		return err
	}
	if err := outage.Await(ctx, s.log, "nats", outage.Backoff{}, s.bus.Provision); err != nil {
		return fmt.Errorf("provision streams: %w", err)
	}
	return nil
}

// listUnsent lists the unsent notifications stored before the unfinished
// list existed, so that the worker's sweep finds them. It reads the whole
// collection on FerretDB, so it runs beside the service, not before it is
// ready; an attempt is bounded by the driver's server selection while
// MongoDB is down, and retried until it succeeds.
func (s *Service) listUnsent(ctx context.Context) error {
	n, err := s.repo.ListUnsent(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		s.log.Info("listed unsent notifications as unfinished", slog.Int("notifications", n))
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

// newApplication wires the use cases to repo and the channel, and to the
// service's metrics and wake-ups.
func (s *Service) newApplication(repo *mongorepo.Notifications) app.Application {
	return app.Application{
		Commands: app.Commands{
			Record: command.RecordHandler{Repo: repo, Recorded: s.deliveries.recorded, Lease: s.cfg.Lease,
				// The worker is made after the application: look it up per call.
				FirstRound: func(ctx context.Context, n domain.Notification) { s.worker.FirstRound(ctx, n) }},
			Deliver: command.DeliverHandler{
				Repo: repo, Channel: s.channel, Lease: s.cfg.Lease,
				Policy:  domain.RetryPolicy{MaxAttempts: s.cfg.MaxAttempts, Backoff: s.cfg.RetryBackoff, RetryAfter: s.cfg.RetryAfter},
				Changed: s.delivered,
			},
		},
		Queries: app.Queries{ListForCustomer: query.ListForCustomerHandler{Repo: repo}},
	}
}

// newChannel is the configured channel behind its breaker.
func (s *Service) newChannel() *channel.Guarded {
	var inner command.Channel = channel.Log{Logger: s.log}
	if s.cfg.Channel == ChannelWebhook {
		inner = channel.Webhook{URL: s.cfg.WebhookURL}
	}
	g := channel.Guard(inner, channel.GuardConfig{
		Timeout: s.cfg.SendTimeout, Attempts: s.cfg.SendAttempts, Backoff: s.cfg.SendBackoff,
		TripAfter: s.cfg.BreakerTripAfter, OpenFor: s.cfg.BreakerOpenFor,
		OnStateChange: func(name string, from, to gobreaker.State) {
			s.log.Warn("breaker changed state", slog.String("breaker", name),
				slog.String("from", from.String()), slog.String("to", to.String()))
		},
	})
	return g
}

// delivered records a round; the sent event of a delivered notification
// reaches the relay from the repository (MarkSent).
func (s *Service) delivered(n domain.Notification, err error) {
	s.deliveries.round(n, err)
}

// Run serves on the configured address until ctx is done.
func (s *Service) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.HTTPAddr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves /healthz at once and /readyz as not ready until MongoDB and
// NATS are there (prepare); then it runs the consumer, the delivery worker,
// the election and the HTTP API on ln until ctx is done. While elected it
// relays the outbox and its worker sweeps. At the end it stops the HTTP
// server, drains the consumer, stops the worker, and only then steps down,
// relaying what the worker handed over, so that the next leader finds
// nothing of this replica's left; last it closes the connections.
func (s *Service) Serve(ctx context.Context, ln net.Listener) error {
	defer s.close()
	started := s.http.Starting()
	web := s.http.Start(ctx, ln)
	if err := s.prepare(ctx); err != nil {
		return errors.Join(startError(err), web.Stop())
	}
	consumer, err := s.bus.Consume(ctx, s.events.Consumer(), s.events.Handler())
	if err != nil {
		return errors.Join(startError(fmt.Errorf("consume %s: %w", ports.OrdersConsumer, err)), web.Stop())
	}
	started()
	leaderCtx, stepDown := context.WithCancel(context.WithoutCancel(ctx))
	leaderDone := make(chan error, 1)
	go func() { leaderDone <- s.leader.Run(leaderCtx, s.relayTerm) }()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return web.Wait(gctx) })
	g.Go(func() error { return s.worker.Run(gctx) })
	g.Go(func() error {
		return startError(outage.Await(gctx, s.log, "mongo", outage.Backoff{}, s.listUnsent))
	})
	<-gctx.Done()
	consumer.Stop()
	err = g.Wait()
	stepDown()
	err = errors.Join(err, <-leaderDone)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// relayTerm relays the outbox for one term of leadership, and at its end
// publishes what this replica's writers handed over and the relay had not
// published yet.
func (s *Service) relayTerm(ctx context.Context) error {
	err := s.relay.Run(ctx)
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
	defer cancel()
	if derr := s.relay.Drain(dctx); derr != nil {
		s.log.Warn("relay at the end of the term", slog.Any("error", derr))
	}
	return err
}

func (s *Service) close() {
	s.bus.Close()
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	_ = s.client.Disconnect(ctx)
}
