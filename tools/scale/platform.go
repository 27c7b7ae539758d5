package scale

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/tools/client"
	"github.com/eventshop/eventshop/tools/invariants"
	"github.com/eventshop/eventshop/tools/stack"
)

// stockPerProduct is what every product is restocked with before a load,
// so that orders are confirmed rather than rejected for want of stock.
const stockPerProduct = 1_000_000

// Platform is a started stack with the handles that read it.
type Platform struct {
	Stack    *stack.Stack
	Sources  invariants.Sources
	JS       jetstream.JetStream
	Customer *client.Client // alice, through the gateway
	Admin    *client.Client // admin, through the gateway
	Baseline map[string]int64
	SKUs     []string

	nc    *nats.Conn
	mongo *mongo.Client
	alice string // the customer's token
}

// Direct returns a client of the customer per replica of service, each
// calling that replica itself and the first replica of every other
// service: a load that does not depend on the gateway's balancing.
func (p *Platform) Direct(service string) []*client.Client {
	var out []*client.Client
	for _, replica := range p.Stack.Replicas(service) {
		urls := map[string]string{}
		for _, svc := range stack.Services {
			urls[svc] = p.Stack.URL(svc)
		}
		urls[service] = p.Stack.URL(replica)
		out = append(out, client.Direct(urls).As(p.alice))
	}
	return out
}

// Gateway returns the customer's client through the gateway, as a load's
// list of clients.
func (p *Platform) Gateway() []*client.Client { return []*client.Client{p.Customer} }

// Env is the services' configuration under a scale-out load: no rate limit
// at the gateway, and a saga timeout well above any failover.
func Env() map[string]string {
	return map[string]string{"GATEWAY_RATE_LIMIT_OFF": "true", "ORDER_SAGA_TIMEOUT": "2m"}
}

// Start starts a stack with opts and connects to its stores, NATS and
// gateway; the products are restocked and the stock snapshotted.
func Start(ctx context.Context, opts stack.Options) (*Platform, error) {
	s, err := stack.Start(ctx, opts)
	if err != nil {
		return nil, err
	}
	p := &Platform{Stack: s}
	if err := p.connect(ctx); err != nil {
		p.Close()
		return nil, err
	}
	if err := p.restock(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func (p *Platform) connect(ctx context.Context) error {
	s := p.Stack
	for svc, dst := range map[string]**pgxpool.Pool{"order": &p.Sources.Order, "inventory": &p.Sources.Inventory, "payment": &p.Sources.Payment} {
		pool, err := pgxpool.New(ctx, s.AdminURLs[svc])
		if err != nil {
			return fmt.Errorf("connect %s database: %w", svc, err)
		}
		*dst = pool
	}
	mc, err := mongo.Connect(options.Client().ApplyURI(s.MongoURL))
	if err != nil {
		return fmt.Errorf("connect mongo: %w", err)
	}
	p.mongo, p.Sources.Notifications = mc, mc.Database("notification")
	if p.nc, err = nats.Connect(strings.Join(s.NATSURLs, ","), nats.MaxReconnects(-1)); err != nil {
		return fmt.Errorf("connect nats: %w", err)
	}
	if p.JS, err = jetstream.New(p.nc); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	issuer := auth.NewIssuer(auth.Config{Secret: s.JWTSecret, Issuer: "eventshop", Audience: "eventshop-api"}, 4*time.Hour)
	gw := client.ViaGateway(s.URL("gateway"))
	for user, dst := range map[string]**client.Client{"alice": &p.Customer, "admin": &p.Admin} {
		token, err := issuer.Token(user)
		if err != nil {
			return fmt.Errorf("token: %w", err)
		}
		*dst = gw.As(token)
		if user == "alice" {
			p.alice = token
		}
	}
	return nil
}

func (p *Platform) restock(ctx context.Context) error {
	products, err := p.Customer.Products(ctx)
	if err != nil {
		return fmt.Errorf("products: %w", err)
	}
	for _, pr := range products {
		if err := p.Admin.Restock(ctx, pr.SKU, stockPerProduct); err != nil {
			return fmt.Errorf("restock %s: %w", pr.SKU, err)
		}
		p.SKUs = append(p.SKUs, pr.SKU)
	}
	p.Baseline, err = invariants.Snapshot(ctx, p.Sources.Inventory)
	return err
}

// Close disconnects and stops the stack.
func (p *Platform) Close() {
	for _, pool := range []*pgxpool.Pool{p.Sources.Order, p.Sources.Inventory, p.Sources.Payment} {
		if pool != nil {
			pool.Close()
		}
	}
	if p.mongo != nil {
		_ = p.mongo.Disconnect(context.Background())
	}
	if p.nc != nil {
		p.nc.Close()
	}
	p.Stack.Stop()
}
