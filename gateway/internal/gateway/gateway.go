// Package gateway assembles the API gateway on a fasthttp server: a fast
// path that authenticates, rate-limits, caches and proxies the routes the
// services own, and echo, behind fasthttpadaptor, for everything the gateway
// answers itself (tokens, admin, schemas, OpenAPI, the web UI, health and
// metrics).
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/valyala/fasthttp"

	"github.com/eventshop/eventshop/gateway/internal/breaker"
	"github.com/eventshop/eventshop/gateway/internal/cache"
	"github.com/eventshop/eventshop/gateway/internal/config"
	"github.com/eventshop/eventshop/gateway/internal/evhttp"
	"github.com/eventshop/eventshop/gateway/internal/proxy"
	"github.com/eventshop/eventshop/gateway/internal/ratelimit"
	"github.com/eventshop/eventshop/gateway/internal/routes"
	"github.com/eventshop/eventshop/gateway/internal/tokencache"
	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/httpserver"
)

// The verified-token cache holds this many tokens, each at most this long
// (and never past its exp): a minute bounds how long a token signed with a
// key since withdrawn from the JWKS keeps passing the gateway.
const (
	tokenCacheEntries = 10000
	tokenCacheMaxAge  = time.Minute
)

// Options are the gateway's collaborators. Zero values: no NATS (no cache
// invalidation, no DLQ routes) and the real clock.
type Options struct {
	Bus *bus.Bus
	Now func() time.Time
	// ReadTimeout, when set, replaces the server's read timeout (10 s),
	// for tests of a slow client.
	ReadTimeout time.Duration
}

// Gateway serves the whole public API on its own event-loop HTTP server
// (Run, or ListenAndServe and Shutdown).
type Gateway struct {
	cfg       config.Config
	log       *slog.Logger
	verifier  *auth.Verifier // nil when no key is configured: every token is refused
	tokens    *tokencache.Cache
	metrics   map[*routes.Route]*routeMetrics
	issuer    *auth.Issuer // nil unless the development issuer is on
	matcher   *routes.Matcher
	upstreams map[string]*proxy.Upstream
	proxy     *proxy.Proxy
	breakers  *breaker.Set
	limiter   *ratelimit.Limiter
	cache     *cache.Cache // nil when caching is off
	trusted   []netip.Prefix
	cors      map[string]bool
	server    *httpserver.Server
	echo      fasthttp.RequestHandler // server.Echo behind fasthttpadaptor
	srv       *evhttp.Server
	sub       *nats.Subscription
}

// New builds a gateway from cfg.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*Gateway, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	g := &Gateway{cfg: cfg, log: log, proxy: proxy.New(), cors: map[string]bool{}}
	g.tokens = tokencache.New(tokenCacheEntries, tokenCacheMaxAge)
	if err := g.initAuth(ctx); err != nil {
		return nil, err
	}
	if err := g.initUpstreams(); err != nil {
		return nil, err
	}
	trusted, err := cfg.TrustedPrefixes()
	if err != nil {
		return nil, err
	}
	g.trusted = trusted
	for _, o := range cfg.CORSOrigins {
		g.cors[o] = true
	}
	g.breakers = breaker.NewSet(log, breaker.Settings{Failures: cfg.BreakerFailures, OpenTimeout: cfg.BreakerOpenTimeout}, routes.Upstreams...)
	g.limiter = ratelimit.New(limits(cfg.Rate), ratelimit.Options{MaxKeys: cfg.Rate.MaxKeys, IdleAfter: cfg.Rate.IdleAfter, Now: opts.Now})
	if cfg.CacheTTL > 0 {
		g.cache = cache.New(cache.Options{MaxEntries: cfg.CacheMaxEntries, MaxBytes: cfg.CacheMaxBytes, TTL: cfg.CacheTTL, Now: opts.Now})
	}
	table := routeTable(cfg)
	g.matcher = routes.NewMatcher(table, routes.Route.Proxied)
	g.metrics = newRouteMetrics(table)
	if err := g.initServer(opts.Bus); err != nil {
		return nil, err
	}
	if err := g.subscribe(opts.Bus); err != nil {
		return nil, err
	}
	g.srv = g.newServer(opts)
	return g, nil
}

func (g *Gateway) initAuth(ctx context.Context) error {
	v, err := auth.NewVerifier(ctx, g.cfg.Auth)
	switch {
	case errors.Is(err, auth.ErrNoKey):
		g.log.Warn("no JWT secret or JWKS URL configured: every authenticated route will answer 401")
	case err != nil:
		return fmt.Errorf("jwt verifier: %w", err)
	default:
		g.verifier = v
	}
	if g.cfg.DevIssuer {
		if g.cfg.Auth.Secret == "" {
			return errors.New("development issuer needs GATEWAY_JWT_SECRET")
		}
		g.issuer = auth.NewIssuer(g.cfg.Auth, g.cfg.TokenTTL)
	}
	return nil
}

// serviceURLs maps each upstream service to its base URL.
func (g *Gateway) serviceURLs() map[string]string {
	return map[string]string{
		routes.Order: g.cfg.OrderURL, routes.Inventory: g.cfg.InventoryURL,
		routes.Payment: g.cfg.PaymentURL, routes.Notification: g.cfg.NotificationURL,
	}
}

func (g *Gateway) initUpstreams() error {
	g.upstreams = map[string]*proxy.Upstream{}
	for name, u := range g.serviceURLs() {
		up, err := g.proxy.NewUpstream(name, u)
		if err != nil {
			return err
		}
		g.upstreams[name] = up
	}
	return nil
}

// routeTable is the route table with the configured timeout override applied.
func routeTable(cfg config.Config) []routes.Route {
	table := append([]routes.Route(nil), routes.Table...)
	if cfg.UpstreamTimeout > 0 {
		for i := range table {
			table[i].Timeout = cfg.UpstreamTimeout
		}
	}
	return table
}

func limits(r config.Rate) map[string]ratelimit.Limit {
	if r.Off {
		return nil
	}
	return map[string]ratelimit.Limit{
		string(routes.ClassAuth):  {RPS: r.AuthRPS, Burst: r.AuthBurst},
		string(routes.ClassRead):  {RPS: r.ReadRPS, Burst: r.ReadBurst},
		string(routes.ClassWrite): {RPS: r.WriteRPS, Burst: r.WriteBurst},
		string(routes.ClassAdmin): {RPS: r.AdminRPS, Burst: r.AdminBurst},
	}
}

// Close stops the invalidation subscription and drops idle upstream
// connections.
func (g *Gateway) Close() {
	if g.sub != nil {
		_ = g.sub.Unsubscribe()
	}
	g.proxy.Close()
}
