// Package breaker keeps one circuit breaker per upstream: 5xx answers and
// timeouts count as failures, a caller that went away counts as nothing, and
// an open breaker fails requests at once instead of queueing them on a sick
// service.
package breaker

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/sony/gobreaker/v2"
)

// ErrOpen is returned by Allow while a breaker rejects requests (open, or
// half-open with its probe already in flight).
var ErrOpen = errors.New("circuit breaker open")

// ErrUpstream is the failure recorded for a 5xx answer.
var ErrUpstream = errors.New("upstream server error")

// stateGauge is eventshop_breaker_state, named and described as every
// service's (docs/metrics.md), with the upstream as the breaker.
var stateGauge = promauto.NewGaugeVec(prometheus.GaugeOpts{
	Namespace: "eventshop", Name: "breaker_state",
	Help:        "Circuit breaker state: 0 closed, 1 half-open, 2 open (-1 unknown), by breaker.",
	ConstLabels: prometheus.Labels{"service": "gateway"},
}, []string{"breaker"})

// Settings configures every breaker of a Set. Zero values: Failures 5,
// OpenTimeout 10s.
type Settings struct {
	Failures    uint32        // consecutive failures that open a breaker
	OpenTimeout time.Duration // how long a breaker stays open before a probe
}

// Set holds the breakers by upstream name.
type Set struct {
	byName  map[string]*gobreaker.TwoStepCircuitBreaker[struct{}]
	timeout time.Duration
}

// Status is one breaker's name and state as the admin endpoint shows it.
type Status struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

// NewSet creates a closed breaker for each name.
func NewSet(log *slog.Logger, s Settings, names ...string) *Set {
	if s.Failures == 0 {
		s.Failures = 5
	}
	if s.OpenTimeout <= 0 {
		s.OpenTimeout = 10 * time.Second
	}
	set := &Set{byName: map[string]*gobreaker.TwoStepCircuitBreaker[struct{}]{}, timeout: s.OpenTimeout}
	for _, name := range names {
		set.byName[name] = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
			Name:        name,
			MaxRequests: 1,
			Timeout:     s.OpenTimeout,
			ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= s.Failures },
			IsExcluded:  func(err error) bool { return errors.Is(err, context.Canceled) },
			OnStateChange: func(name string, from, to gobreaker.State) {
				log.Warn("circuit breaker state changed", "upstream", name, "from", from.String(), "to", to.String())
				stateGauge.WithLabelValues(name).Set(float64(to))
			},
		})
		stateGauge.WithLabelValues(name).Set(0)
	}
	return set
}

// Allow asks the breaker of upstream for permission. On success the caller
// must call done with the outcome: nil, ErrUpstream, a timeout, or the
// client's context.Canceled (which is not counted).
func (s *Set) Allow(upstream string) (done func(error), err error) {
	cb, ok := s.byName[upstream]
	if !ok {
		return func(error) {}, nil
	}
	done, err = cb.Allow()
	if err != nil {
		return nil, ErrOpen
	}
	return done, nil
}

// RetryAfter is the open period, a fair hint for Retry-After.
func (s *Set) RetryAfter() time.Duration { return s.timeout }

// Statuses lists every breaker, sorted by name.
func (s *Set) Statuses() []Status {
	out := make([]Status, 0, len(s.byName))
	for name, cb := range s.byName {
		out = append(out, Status{Name: name, State: cb.State().String()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
