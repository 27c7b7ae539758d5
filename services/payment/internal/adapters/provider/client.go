// Package provider is the HTTP client of the payment provider, behind a
// circuit breaker and with bounded retries of transient failures.
package provider

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// BreakerName names the provider's breaker in metrics and /internal/breakers.
const BreakerName = "payment-provider"

// Config configures a Client. Every zero value means the documented default.
type Config struct {
	// BaseURL is the provider's address, e.g. "http://127.0.0.1:8090". Required.
	BaseURL string
	// Timeout bounds each attempt of a call. Default 2s.
	Timeout time.Duration
	// Attempts is how many times a transiently failing call is tried. Default 3.
	Attempts int
	// Backoff is the pause before the second attempt; it doubles after each
	// further one. Default 100ms.
	Backoff time.Duration
	// TripAfter is how many calls within Window the breaker needs to see
	// before it may open; it opens when half or more of them failed, so a
	// provider that is down opens it after TripAfter failed calls, while a
	// few cards that time out among many that succeed do not. Default 5.
	TripAfter uint32
	// Window is the rolling period over which calls and failures are
	// counted, in ten buckets. Default 10s.
	Window time.Duration
	// OpenFor is how long the breaker stays open before letting a trial call
	// through. Default 10s.
	OpenFor time.Duration
	// OnStateChange, when set, is told of every breaker transition.
	OnStateChange func(from, to gobreaker.State)
	// HTTPClient sends the requests. Default a client with no overall timeout
	// (Timeout bounds each attempt through its context) that keeps up to 64
	// idle connections to the provider.
	HTTPClient *http.Client
}

func (c Config) withDefaults() Config {
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Second
	}
	if c.Attempts <= 0 {
		c.Attempts = 3
	}
	if c.Backoff <= 0 {
		c.Backoff = 100 * time.Millisecond
	}
	if c.TripAfter == 0 {
		c.TripAfter = 5
	}
	if c.Window <= 0 {
		c.Window = 10 * time.Second
	}
	if c.OpenFor <= 0 {
		c.OpenFor = 10 * time.Second
	}
	if c.HTTPClient == nil {
		// Keep a connection per parallel call alive: the default transport
		// keeps two per host, so a batch's parallel calls would dial anew.
		// Each call is a client span whose context the request carries.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		c.HTTPClient = &http.Client{Transport: otelhttp.NewTransport(t, otelhttp.WithSpanNameFormatter(spanName))}
	}
	return c
}

// spanName names a call's client span after its method: paths hold
// authorization ids, too many names for a trace viewer to group (the
// span's url.full attribute has the path).
func spanName(_ string, r *http.Request) string { return r.Method + " provider" }

// Client calls the provider. It is safe for concurrent use.
type Client struct {
	cfg     Config
	breaker *gobreaker.CircuitBreaker[response]
}

// New returns a client for the provider cfg describes.
func New(cfg Config) *Client {
	cfg = cfg.withDefaults()
	c := &Client{cfg: cfg}
	c.breaker = gobreaker.NewCircuitBreaker[response](gobreaker.Settings{
		Name:         BreakerName,
		MaxRequests:  1,
		Interval:     cfg.Window,
		BucketPeriod: cfg.Window / 10,
		Timeout:      cfg.OpenFor,
		ReadyToTrip:  func(n gobreaker.Counts) bool { return tripped(n, cfg.TripAfter) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			if cfg.OnStateChange != nil {
				cfg.OnStateChange(from, to)
			}
		},
		// A caller that gave up says nothing about the provider's health.
		IsExcluded: func(err error) bool { return errors.Is(err, errCallerGone) },
	})
	return c
}

// tripped reports whether counts, the calls of the rolling window, show a
// failing provider: at least tripAfter calls, half or more of them failed.
// Counting consecutive failures instead let one card that never answers,
// tried three times and in parallel with others, open the breaker for
// every order.
func tripped(n gobreaker.Counts, tripAfter uint32) bool {
	return n.Requests >= tripAfter && 2*n.TotalFailures >= n.Requests
}

// State is the breaker's state.
func (c *Client) State() gobreaker.State { return c.breaker.State() }

// BreakerName is the breaker's name.
func (c *Client) BreakerName() string { return c.breaker.Name() }

// StateName is the breaker's state as "closed", "half-open" or "open".
func (c *Client) StateName() string { return c.breaker.State().String() }
