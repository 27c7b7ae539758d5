package chaos

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/tools/invariants"
	"github.com/eventshop/eventshop/tools/stack"
)

// Platform is the stack under test with a proxy on every link, and
// read handles on its stores for the checker.
type Platform struct {
	Stack   *stack.Stack
	Links   *Links
	Sources invariants.Sources
	// JS reaches nats-server directly, not through a proxy, to inject and
	// inspect events.
	JS jetstream.JetStream

	nc    *nats.Conn
	close []func()
}

// env is what every chaos stack sets: no rate limits (the load is the
// point), and timeouts short enough that faults resolve within a run.
var env = map[string]string{
	"GATEWAY_RATE_LIMIT_OFF": "true",
	"ORDER_SAGA_TIMEOUT":     "30s",
	"GATEWAY_ACCESS_LOG":     "false",
}

// StartPlatform builds nothing: binDir must hold stack.Build's binaries.
// PostgreSQL runs with fsync and synchronous commit on, so that a crash of
// the server loses no commit (ADR 12). log receives every process's output.
func StartPlatform(ctx context.Context, binDir string, log io.Writer) (*Platform, error) {
	links := NewLinks()
	s, err := stack.Start(ctx, stack.Options{
		BinDir: binDir, Fsync: true, Log: log, Env: env, Route: links.Route,
	})
	if err != nil {
		links.Close()
		return nil, err
	}
	p := &Platform{Stack: s, Links: links}
	if err := p.connect(ctx); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

func (p *Platform) connect(ctx context.Context) error {
	pools := map[string]**pgxpool.Pool{"order": &p.Sources.Order, "inventory": &p.Sources.Inventory, "payment": &p.Sources.Payment}
	for svc, dst := range pools {
		pool, err := pgxpool.New(ctx, p.Stack.AdminURLs[svc])
		if err != nil {
			return fmt.Errorf("connect %s database: %w", svc, err)
		}
		*dst = pool
		p.close = append(p.close, pool.Close)
	}
	// A check reads the whole collection, which FerretDB scans in full:
	// with tens of thousands of notifications that takes a while.
	mc, err := mongo.Connect(options.Client().ApplyURI(p.Stack.MongoURL).SetTimeout(3 * time.Minute))
	if err != nil {
		return fmt.Errorf("connect mongo: %w", err)
	}
	p.close = append(p.close, func() { _ = mc.Disconnect(context.Background()) })
	p.Sources.Notifications = mc.Database("notification")
	nc, err := nats.Connect(p.Stack.NATSURL, nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("connect nats: %w", err)
	}
	p.nc = nc
	p.close = append(p.close, nc.Close)
	if p.JS, err = jetstream.New(nc); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	return nil
}

// Stop closes the handles, the platform and the proxies.
func (p *Platform) Stop() {
	for i := len(p.close) - 1; i >= 0; i-- {
		p.close[i]()
	}
	p.Stack.Stop()
	p.Links.Close()
}
