// Package tracestore reads an order's spans from Jaeger's query API
// (GET /api/traces/{id}) over HTTP, through a circuit breaker, so that a
// slow or failing trace store never holds the order API: while the breaker
// is open every read fails at once with query.ErrTraceStoreUnavailable.
package tracestore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/eventshop/eventshop/services/order/internal/app/query"
)

// Defaults of Options.
const (
	DefaultTimeout     = 2 * time.Second
	DefaultOpenTimeout = 10 * time.Second
	DefaultMaxFailures = 3
)

// Options tune the client. Zero values mean the defaults.
type Options struct {
	// Timeout bounds one read (DefaultTimeout).
	Timeout time.Duration
	// OpenTimeout is how long the breaker stays open before it lets one
	// trial read through (DefaultOpenTimeout).
	OpenTimeout time.Duration
	// MaxFailures is how many consecutive failures open the breaker
	// (DefaultMaxFailures).
	MaxFailures uint32
	// HTTPClient sends the requests (http.DefaultClient's transport).
	HTTPClient *http.Client
}

// Jaeger reads traces from a Jaeger query service.
type Jaeger struct {
	base    string
	http    *http.Client
	timeout time.Duration
	breaker *gobreaker.CircuitBreaker[[]query.Span]
}

// NewJaeger returns a client of the Jaeger query service at baseURL (its
// UI address, such as http://127.0.0.1:16686).
func NewJaeger(baseURL string, opts Options) *Jaeger {
	opts = opts.withDefaults()
	return &Jaeger{
		base: baseURL, http: opts.HTTPClient, timeout: opts.Timeout,
		breaker: gobreaker.NewCircuitBreaker[[]query.Span](gobreaker.Settings{
			Name:    "order-tracestore",
			Timeout: opts.OpenTimeout,
			ReadyToTrip: func(c gobreaker.Counts) bool {
				return c.ConsecutiveFailures >= opts.MaxFailures
			},
			// A caller that gave up says nothing about the store's health,
			// and a trace it does not hold is an answer.
			IsExcluded:   func(err error) bool { return errors.Is(err, context.Canceled) },
			IsSuccessful: func(err error) bool { return err == nil || errors.Is(err, query.ErrTraceNotFound) },
		}),
	}
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
		o.HTTPClient = &http.Client{}
	}
	return o
}

// BreakerName names the breaker in the admin breaker list.
func (j *Jaeger) BreakerName() string { return j.breaker.Name() }

// StateName is the breaker's state, for the admin breaker list.
func (j *Jaeger) StateName() string { return j.breaker.State().String() }

// Spans returns the trace's spans, query.ErrTraceNotFound when Jaeger does
// not hold it, and query.ErrTraceStoreUnavailable for any other failure.
func (j *Jaeger) Spans(ctx context.Context, traceID string) ([]query.Span, error) {
	spans, err := j.breaker.Execute(func() ([]query.Span, error) { return j.fetch(ctx, traceID) })
	if err != nil && !errors.Is(err, query.ErrTraceNotFound) {
		return nil, fmt.Errorf("%w: %w", query.ErrTraceStoreUnavailable, err)
	}
	return spans, err
}

func (j *Jaeger) fetch(ctx context.Context, traceID string) ([]query.Span, error) {
	ctx, cancel := context.WithTimeout(ctx, j.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.base+"/api/traces/"+url.PathEscape(traceID), nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := j.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get trace: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, query.ErrTraceNotFound
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("get trace: status %d", resp.StatusCode)
	}
	var body traces
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("decode trace: %w", err)
	}
	spans := body.toSpans()
	if len(spans) == 0 {
		return nil, query.ErrTraceNotFound
	}
	return spans, nil
}
