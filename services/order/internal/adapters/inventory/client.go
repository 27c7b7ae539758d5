// Package inventory reads product prices from the inventory service over
// HTTP, spread over its replicas with a circuit breaker per replica
// (pkg/balancer, as the gateway forwards).
//
// Prices are read synchronously when an order is placed, rather than kept in
// a local replica fed by events, because inventory owns prices: one batched
// call per order always sees the current price, while a replica would need a
// product-price event stream and a warm-up before the first order. The
// breakers keep a slow or failing inventory replica from holding order
// requests: a lookup goes to the next replica in turn whose breaker is
// closed, one whose connection failed is skipped until its readiness probe
// answers again (Watch), and with every breaker open a lookup answers at
// once with ErrInventoryUnavailable. Lookups that arrive while a request is
// under way go together in the next one, so that under load one request
// prices many orders.
package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/eventshop/eventshop/pkg/balancer"
	"github.com/eventshop/eventshop/services/order/internal/app/command"
)

// Defaults of Options.
const (
	DefaultTimeout       = 2 * time.Second
	DefaultOpenTimeout   = 5 * time.Second
	DefaultMaxFailures   = 5
	DefaultProbeInterval = time.Second
)

// breakerName names the client's breakers, in logs and in the service's
// /internal/breakers.
const breakerName = "order-inventory"

// Options tune the client. Zero values mean the defaults.
type Options struct {
	// Timeout bounds one call to inventory (DefaultTimeout).
	Timeout time.Duration
	// OpenTimeout is how long a replica's breaker stays open before it
	// lets one trial call through (DefaultOpenTimeout).
	OpenTimeout time.Duration
	// MaxFailures is how many consecutive failures open a replica's
	// breaker (DefaultMaxFailures).
	MaxFailures uint32
	// ProbeInterval is how often Watch asks each replica's /readyz
	// (DefaultProbeInterval).
	ProbeInterval time.Duration
	// HTTPClient sends the requests (a client keeping up to 64 idle
	// connections to inventory).
	HTTPClient *http.Client
	// Log gets the breakers' and replicas' changes (slog.Default()).
	Log *slog.Logger
}

// Client reads prices from inventory's GET /api/v1/products.
type Client struct {
	replicas *balancer.Upstream
	http     *http.Client
	timeout  time.Duration
	probe    time.Duration
	lookups  *lookups
}

// NewClient returns a client for the inventory service at baseURLs, one
// base URL or a comma-separated list of them, one per replica.
func NewClient(baseURLs string, opts Options) (*Client, error) {
	opts = opts.withDefaults()
	replicas, err := balancer.New(breakerName, baseURLs, balancer.Options{
		Breaker: balancer.Settings{Failures: opts.MaxFailures, OpenTimeout: opts.OpenTimeout},
		Log:     opts.Log,
	})
	if err != nil {
		return nil, fmt.Errorf("inventory client: %w", err)
	}
	c := &Client{replicas: replicas, http: opts.HTTPClient, timeout: opts.Timeout, probe: opts.ProbeInterval}
	c.lookups = &lookups{fetch: c.fetchAny}
	return c, nil
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.OpenTimeout <= 0 {
		o.OpenTimeout = DefaultOpenTimeout
	}
	if o.MaxFailures == 0 {
		o.MaxFailures = DefaultMaxFailures
	}
	if o.ProbeInterval <= 0 {
		o.ProbeInterval = DefaultProbeInterval
	}
	if o.HTTPClient == nil {
		o.HTTPClient = defaultHTTPClient
	}
	return o
}

// defaultHTTPClient keeps up to 64 idle connections to inventory: the
// default transport keeps two per host, so concurrent order requests
// would dial a new connection for nearly every price lookup. Each lookup
// is a client span whose context the request carries (otelhttp).
var defaultHTTPClient = func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: otelhttp.NewTransport(t, otelhttp.WithSpanNameFormatter(spanName))}
}()

// spanName names a lookup's client span after its method and path.
func spanName(_ string, r *http.Request) string { return r.Method + " inventory " + r.URL.Path }

// errRefused marks an answer from an inventory that is up but did not
// give prices: a 4xx, or a 503 while inventory waits for its own database
// (it answers that at once, with Retry-After). Neither opens the breaker,
// so that lookups work again the moment inventory's database is back, as
// the gateway's breakers do.
var errRefused = errors.New("inventory refused the request")

// Watch probes the replicas' readiness until ctx is done, so that a
// replica skipped since its connection failed gets lookups again once it
// answers. With one replica it probes nothing: that one gets every
// lookup whatever a probe would say.
func (c *Client) Watch(ctx context.Context) error {
	balancer.Watch(ctx.Done(), c.probe, c.probe, c.http, []*balancer.Upstream{c.replicas})
	return nil
}

// State is the breakers' state as one: "closed" while a replica's breaker
// is closed, else "half-open" or "open".
func (c *Client) State() string { return c.replicas.State() }

// Replicas is each replica's breaker and readiness.
func (c *Client) Replicas() []balancer.Status { return c.replicas.Statuses() }

// BreakerName names the breaker in the gateway's admin breaker list.
func (c *Client) BreakerName() string { return breakerName }

// StateName is State, for the admin breaker list.
func (c *Client) StateName() string { return c.State() }

// Prices returns the unit price in cents of each SKU inventory knows, with
// one call, which concurrent lookups share (lookups); unknown SKUs are
// absent. Any failure, including every breaker open, is
// command.ErrInventoryUnavailable.
func (c *Client) Prices(ctx context.Context, skus []string) (map[string]int64, error) {
	prices, err := c.lookups.prices(ctx, skus)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", command.ErrInventoryUnavailable, err)
	}
	return prices, nil
}

// fetchAny asks the next replica in turn, and another one should it not
// be reached; a refusal (errRefused) counts as an answer for the breaker.
func (c *Client) fetchAny(ctx context.Context, skus []string) (map[string]int64, error) {
	var prices map[string]int64
	var refused error
	err := c.replicas.Do(true, func(r *balancer.Replica) error {
		p, err := c.fetch(ctx, r.URL.String(), skus)
		if errors.Is(err, errRefused) {
			refused = err
			return nil
		}
		prices = p
		return err
	})
	if err == nil && refused != nil {
		return nil, refused
	}
	return prices, err
}

// product is the part of inventory's product representation the order needs.
type product struct {
	SKU        string `json:"sku"`
	PriceCents int64  `json:"price_cents"`
}

func (c *Client) fetch(ctx context.Context, base string, skus []string) (map[string]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	q := url.Values{"sku": skus}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/products?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get products: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		if resp.StatusCode < http.StatusInternalServerError || resp.StatusCode == http.StatusServiceUnavailable {
			return nil, fmt.Errorf("%w: status %d", errRefused, resp.StatusCode)
		}
		return nil, fmt.Errorf("get products: status %d", resp.StatusCode)
	}
	var body struct {
		Items []product `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("decode products: %w", err)
	}
	return pricesOf(body.Items, skus), nil
}

// pricesOf keeps the prices of the requested SKUs only, so a server that
// ignores the filter and lists everything still gives the right answer.
func pricesOf(items []product, skus []string) map[string]int64 {
	want := make(map[string]bool, len(skus))
	for _, s := range skus {
		want[s] = true
	}
	prices := make(map[string]int64, len(skus))
	for _, p := range items {
		if want[p.SKU] {
			prices[p.SKU] = p.PriceCents
		}
	}
	return prices
}
