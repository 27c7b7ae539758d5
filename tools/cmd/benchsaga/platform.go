package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/tools/client"
	"github.com/eventshop/eventshop/tools/invariants"
	"github.com/eventshop/eventshop/tools/stack"
)

// bench is a running platform with what the measurements need.
type bench struct {
	stack    *stack.Stack
	customer *client.Client
	admin    *client.Client
	nc       *nats.Conn
	sources  invariants.Sources
	baseline map[string]int64
	skus     []string
	binDir   string
	sink     *sink // nil unless the tracing rounds include a sink round

	mu        sync.Mutex
	confirmed map[string]time.Time // order id → when order.confirmed was seen
	waiters   map[string]chan struct{}
}

func start(ctx context.Context, cfg config) (*bench, error) {
	root, err := stack.Root()
	if err != nil {
		return nil, err
	}
	bin, err := os.MkdirTemp("", "eventshop-bench-bin-")
	if err != nil {
		return nil, err
	}
	b := &bench{binDir: bin, confirmed: map[string]time.Time{}, waiters: map[string]chan struct{}{}}
	if err := stack.Build(ctx, root, bin); err != nil {
		return nil, err
	}
	traces := cfg.tracingRounds > 0
	if traces {
		if err := stack.BuildJaeger(ctx, root, bin); err != nil {
			return nil, err
		}
	}
	if traces && cfg.tracingSink {
		if b.sink, err = startSink(); err != nil {
			return nil, err
		}
	}
	var logw io.Writer = io.Discard
	if cfg.logFile != "" {
		f, err := os.Create(cfg.logFile)
		if err != nil {
			return nil, err
		}
		logw = f
	}
	s, err := stack.Start(ctx, stack.Options{BinDir: bin, Fsync: true, Log: logw, PostgresURL: os.Getenv("PG_URL"),
		Services: []string{"provider", "inventory", "payment", "order", "notification"},
		// Jaeger runs from the start, the services export to it only in
		// the tracing rounds (measureTracing).
		Traces: traces, TracingOff: true,
		Env: serviceEnv(cfg)})
	if err != nil {
		return nil, err
	}
	b.stack = s
	if err := b.connect(ctx); err != nil {
		b.stop()
		return nil, err
	}
	return b, b.prepareStock(ctx)
}

// serviceEnv is the services' configuration for the bench.
func serviceEnv(cfg config) map[string]string {
	// With tracing on, every trace is sampled and exported.
	env := map[string]string{"ORDER_SAGA_TIMEOUT": "2m", "OTEL_TRACES_SAMPLER": "always_on"}
	for _, svc := range stack.Services {
		env[strings.ToUpper(svc)+httpserver.PprofEnvSuffix] = fmt.Sprint(cfg.pprof)
	}
	return env
}

func (b *bench) connect(ctx context.Context) error {
	urls := map[string]string{}
	for _, svc := range stack.Services {
		urls[svc] = b.stack.URL(svc)
	}
	issuer := auth.NewIssuer(auth.Config{Secret: b.stack.JWTSecret, Issuer: "eventshop", Audience: "eventshop-api"}, 2*time.Hour)
	alice, _ := issuer.Token("alice")
	admin, _ := issuer.Token("admin")
	b.customer, b.admin = client.Direct(urls).As(alice), client.Direct(urls).As(admin)
	for svc, dst := range map[string]**pgxpool.Pool{"order": &b.sources.Order, "inventory": &b.sources.Inventory, "payment": &b.sources.Payment} {
		pool, err := pgxpool.New(ctx, b.stack.AdminURLs[svc])
		if err != nil {
			return fmt.Errorf("connect %s: %w", svc, err)
		}
		*dst = pool
	}
	mc, err := mongo.Connect(options.Client().ApplyURI(b.stack.MongoURL))
	if err != nil {
		return fmt.Errorf("connect mongo: %w", err)
	}
	b.sources.Notifications = mc.Database("notification")
	nc, err := nats.Connect(b.stack.NATSURL)
	if err != nil {
		return fmt.Errorf("connect nats: %w", err)
	}
	b.nc = nc
	_, err = nc.Subscribe("order.confirmed.v1.*", b.onConfirmed)
	return err
}

// onConfirmed records when an order's confirmation reached NATS: the end of
// its saga as another service would see it.
func (b *bench) onConfirmed(m *nats.Msg) {
	id := m.Header.Get("ce-subject")
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, seen := b.confirmed[id]; seen {
		return
	}
	b.confirmed[id] = time.Now()
	if w, ok := b.waiters[id]; ok {
		close(w)
		delete(b.waiters, id)
	}
}

// prepareStock restocks every product generously so the load never runs out.
func (b *bench) prepareStock(ctx context.Context) error {
	products, err := b.customer.Products(ctx)
	if err != nil {
		return err
	}
	for _, p := range products {
		if err := b.admin.Restock(ctx, p.SKU, 1_000_000); err != nil {
			return fmt.Errorf("restock %s: %w", p.SKU, err)
		}
		b.skus = append(b.skus, p.SKU)
	}
	b.baseline, err = invariants.Snapshot(ctx, b.sources.Inventory)
	return err
}

func (b *bench) stop() {
	if b.nc != nil {
		b.nc.Close()
	}
	if b.stack != nil {
		b.stack.Stop()
	}
	_ = os.RemoveAll(filepath.Clean(b.binDir))
}
