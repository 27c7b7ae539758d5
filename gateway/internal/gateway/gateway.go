// Package gateway assembles the API gateway on net/http with echo as its
// router and middleware chain. Every route of the route table takes the
// same steps: request id, access log and metrics, authentication, the
// route's access, its rate limit and body limit; then a proxied route goes
// through the catalogue cache (when cacheable), its upstream's breaker and
// httputil.ReverseProxy, and a route the gateway answers itself (tokens,
// admin, schemas, OpenAPI) runs its handler.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventshop/eventshop/gateway/internal/cache"
	"github.com/eventshop/eventshop/gateway/internal/config"
	"github.com/eventshop/eventshop/gateway/internal/proxy"
	"github.com/eventshop/eventshop/gateway/internal/ratelimit"
	"github.com/eventshop/eventshop/gateway/internal/routes"
	"github.com/eventshop/eventshop/gateway/internal/tokencache"
	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/balancer"
	"github.com/eventshop/eventshop/pkg/bus"
)

// The verified-token cache holds this many tokens, each at most this long
// (and never past its exp): a minute bounds how long a token signed with a
// key since withdrawn from the JWKS keeps passing the gateway.
const (
	tokenCacheEntries = 10000
	tokenCacheMaxAge  = time.Minute
)

// upstreamTransport carries every upstream request: a proxy.Pool, or the
// plain http.Transport it is measured against (config.UpstreamPoolOff).
type upstreamTransport interface {
	http.RoundTripper
	CloseIdleConnections()
}

// Options are the gateway's collaborators. Zero values: no NATS (no cache
// invalidation, no DLQ routes) and the real clock.
type Options struct {
	Bus *bus.Bus
	Now func() time.Time
}

// Gateway serves the whole public API (Run, or ListenAndServe and
// Shutdown).
type Gateway struct {
	cfg       config.Config
	log       *slog.Logger
	now       func() time.Time
	verifier  *auth.Verifier // nil when no key is configured: every token is refused
	tokens    *tokencache.Cache
	issuer    *auth.Issuer // nil unless the development issuer is on
	upstreams map[string]*balancer.Upstream
	// upstreamList is every upstream, in the order of routes.Upstreams.
	upstreamList []*balancer.Upstream
	transport    upstreamTransport
	buffers      *proxy.Buffers
	stopProbe    chan struct{}
	limiter      *ratelimit.Limiter
	cache        *cache.Cache // nil when caching is off
	trusted      []netip.Prefix
	echo         *echo.Echo
	srv          *http.Server
	started      chan struct{}
	inFlight     atomic.Int64
	sub          *nats.Subscription
	// forget drops a host's idle upstream connections once a replica is
	// found down. The plain http.Transport can only drop all of them, which
	// it does: its connections notice a closed peer by themselves, but only
	// once their reader runs, and on a busy machine a request takes one
	// first.
	forget func(host string)
	tracer trace.Tracer // nil when tracing is off (newTracer)
}

// New builds a gateway from cfg.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*Gateway, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	t := proxy.NewTransport()
	g := &Gateway{cfg: cfg, log: log, now: opts.Now, transport: t, buffers: proxy.NewBuffers(), started: make(chan struct{}), stopProbe: make(chan struct{}), tracer: newTracer()}
	g.forget = func(string) { t.CloseIdleConnections() }
	if !cfg.UpstreamPoolOff {
		pool := proxy.NewPool(t)
		g.transport, g.forget = pool, pool.Forget
	}
	if !cfg.TokenCacheOff {
		g.tokens = tokencache.New(tokenCacheEntries, tokenCacheMaxAge)
	}
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
	g.limiter = ratelimit.New(limits(cfg.Rate), ratelimit.Options{MaxKeys: cfg.Rate.MaxKeys, IdleAfter: cfg.Rate.IdleAfter, Now: opts.Now})
	if cfg.CacheTTL > 0 {
		g.cache = cache.New(cache.Options{MaxEntries: cfg.CacheMaxEntries, MaxBytes: cfg.CacheMaxBytes, TTL: cfg.CacheTTL, Now: opts.Now})
	}
	if err := g.initRouter(opts.Bus); err != nil {
		return nil, err
	}
	if err := g.subscribe(opts.Bus); err != nil {
		return nil, err
	}
	g.srv = g.newServer()
	go balancer.Watch(g.stopProbe, orDefault(cfg.ProbeInterval, defaultProbeInterval), readyTimeout, g.probeClient(), g.upstreamList)
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

// initUpstreams makes each upstream from its configured URLs (one per
// replica, separated by commas), in the order of routes.Upstreams.
func (g *Gateway) initUpstreams() error {
	urls := map[string]string{
		routes.Order: g.cfg.OrderURL, routes.Inventory: g.cfg.InventoryURL,
		routes.Payment: g.cfg.PaymentURL, routes.Notification: g.cfg.NotificationURL,
	}
	opts := balancer.Options{
		Log:     g.log,
		Breaker: balancer.Settings{Failures: g.cfg.BreakerFailures, OpenTimeout: g.cfg.BreakerOpenTimeout},
		Forget:  g.forget,
		// The registry /metrics serves (promhttp.Handler).
		Metrics: balancer.NewMetrics(prometheus.DefaultRegisterer, "gateway"),
	}
	g.upstreams = map[string]*balancer.Upstream{}
	for _, name := range routes.Upstreams {
		up, err := balancer.New(name, urls[name], opts)
		if err != nil {
			return err
		}
		g.upstreams[name] = up
		g.upstreamList = append(g.upstreamList, up)
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

// limits are the budgets of this replica: its share of each configured
// budget when Replicas gateways share it.
func limits(r config.Rate) map[string]ratelimit.Limit {
	if r.Off {
		return nil
	}
	n := float64(max(1, r.Replicas))
	share := func(rps float64, burst int) ratelimit.Limit {
		return ratelimit.Limit{RPS: rps / n, Burst: max(1, int(math.Floor(float64(burst)/n)))}
	}
	return map[string]ratelimit.Limit{
		string(routes.ClassAuth):  share(r.AuthRPS, r.AuthBurst),
		string(routes.ClassRead):  share(r.ReadRPS, r.ReadBurst),
		string(routes.ClassWrite): share(r.WriteRPS, r.WriteBurst),
		string(routes.ClassAdmin): share(r.AdminRPS, r.AdminBurst),
	}
}

// Close stops the invalidation subscription and the replicas' probes, and
// drops idle upstream connections.
func (g *Gateway) Close() {
	close(g.stopProbe)
	if g.sub != nil {
		_ = g.sub.Unsubscribe()
	}
	g.transport.CloseIdleConnections()
}

// serviceURLs maps each upstream service to the base URL of its first
// replica, where the console's pipeline view reads the service's metrics:
// every replica shares its database and durable consumers, so one replica's
// gauges are the service's.
func (g *Gateway) serviceURLs() map[string]string {
	urls := make(map[string]string, len(g.upstreamList))
	for _, u := range g.upstreamList {
		urls[u.Name] = u.Replicas[0].URL.String()
	}
	return urls
}
