// Package inventory reads product prices from the inventory service over
// HTTP, through a circuit breaker.
//
// Prices are read synchronously when an order is placed, rather than kept in
// a local replica fed by events, because inventory owns prices: one batched
// call per order always sees the current price, while a replica would need a
// product-price event stream and a warm-up before the first order. The
// breaker keeps a slow or failing inventory from holding order requests: it
// answers at once with ErrInventoryUnavailable while open. Lookups that
// arrive while a request is under way go together in the next one, so that
// under load one request prices many orders.
package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/eventshop/eventshop/services/order/internal/app/command"
)

// Defaults of Options.
const (
	DefaultTimeout     = 2 * time.Second
	DefaultOpenTimeout = 5 * time.Second
	DefaultMaxFailures = 5
)

// Options tune the client. Zero values mean the defaults.
type Options struct {
	// Timeout bounds one call to inventory (DefaultTimeout).
	Timeout time.Duration
	// OpenTimeout is how long the breaker stays open before it lets one
	// trial call through (DefaultOpenTimeout).
	OpenTimeout time.Duration
	// MaxFailures is how many consecutive failures open the breaker
	// (DefaultMaxFailures).
	MaxFailures uint32
	// HTTPClient sends the requests (a client keeping up to 64 idle
	// connections to inventory).
	HTTPClient *http.Client
}

// Client reads prices from inventory's GET /api/v1/products.
type Client struct {
	base    string
	http    *http.Client
	timeout time.Duration
	breaker *gobreaker.CircuitBreaker[map[string]int64]
	lookups *lookups
}

// NewClient returns a client for the inventory service at baseURL.
func NewClient(baseURL string, opts Options) *Client {
	opts = opts.withDefaults()
	c := &Client{
		base:    baseURL,
		http:    opts.HTTPClient,
		timeout: opts.Timeout,
		breaker: gobreaker.NewCircuitBreaker[map[string]int64](gobreaker.Settings{
			Name:    "order-inventory",
			Timeout: opts.OpenTimeout,
			ReadyToTrip: func(c gobreaker.Counts) bool {
				return c.ConsecutiveFailures >= opts.MaxFailures
			},
			// A caller that gave up says nothing about inventory's health.
			IsExcluded:   func(err error) bool { return errors.Is(err, context.Canceled) },
			IsSuccessful: func(err error) bool { return err == nil || errors.Is(err, errRefused) },
		}),
	}
	c.lookups = &lookups{fetch: func(ctx context.Context, skus []string) (map[string]int64, error) {
		return c.breaker.Execute(func() (map[string]int64, error) { return c.fetch(ctx, skus) })
	}}
	return c
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

// errRefused marks a 4xx answer: inventory is up but refused the request,
// which must not open the breaker.
var errRefused = errors.New("inventory refused the request")

// State is the breaker's state: "closed", "half-open" or "open".
func (c *Client) State() string { return c.breaker.State().String() }

// BreakerName names the breaker in the gateway's admin breaker list.
func (c *Client) BreakerName() string { return c.breaker.Name() }

// StateName is State, for the admin breaker list.
func (c *Client) StateName() string { return c.State() }

// Prices returns the unit price in cents of each SKU inventory knows, with
// one call, which concurrent lookups share (lookups); unknown SKUs are
// absent. Any failure, including an open breaker, is
// command.ErrInventoryUnavailable.
func (c *Client) Prices(ctx context.Context, skus []string) (map[string]int64, error) {
	prices, err := c.lookups.prices(ctx, skus)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", command.ErrInventoryUnavailable, err)
	}
	return prices, nil
}

// product is the part of inventory's product representation the order needs.
type product struct {
	SKU        string `json:"sku"`
	PriceCents int64  `json:"price_cents"`
}

func (c *Client) fetch(ctx context.Context, skus []string) (map[string]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	q := url.Values{"sku": skus}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/v1/products?"+q.Encode(), nil)
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
		if resp.StatusCode < http.StatusInternalServerError {
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
