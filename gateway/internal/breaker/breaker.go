// Package breaker is the circuit breaker the gateway keeps for each replica
// of an upstream: 5xx answers, timeouts and failed connections count as
// failures, a caller that went away counts as nothing, and an open breaker
// fails requests at once instead of queueing them on a sick replica.
package breaker

import (
	"context"
	"errors"
	"log/slog"
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

var stateGauge = promauto.NewGaugeVec(prometheus.GaugeOpts{
	Namespace: "eventshop", Subsystem: "gateway", Name: "breaker_state",
	Help: "Circuit breaker state per upstream replica: 0 closed, 1 half-open, 2 open.",
}, []string{"upstream", "replica"})

// Settings configures a breaker. Zero values: Failures 5, OpenTimeout 10s.
type Settings struct {
	Failures    uint32        // consecutive failures that open a breaker
	OpenTimeout time.Duration // how long a breaker stays open before a probe
}

// WithDefaults replaces zero values by the defaults.
func (s Settings) WithDefaults() Settings {
	if s.Failures == 0 {
		s.Failures = 5
	}
	if s.OpenTimeout <= 0 {
		s.OpenTimeout = 10 * time.Second
	}
	return s
}

// Breaker is the breaker of one replica of an upstream.
type Breaker struct {
	cb *gobreaker.TwoStepCircuitBreaker[struct{}]
}

// Status is one breaker's state as the admin endpoint shows it: the
// gateway's own name the upstream and its replica (with the replica's
// readiness); a service's own breakers have only a name.
type Status struct {
	Name    string `json:"name"`
	Replica string `json:"replica,omitempty"`
	State   string `json:"state"`
	Ready   *bool  `json:"ready,omitempty"`
}

// New returns a closed breaker for replica (its host:port) of upstream.
func New(log *slog.Logger, s Settings, upstream, replica string) *Breaker {
	s = s.WithDefaults()
	gauge := stateGauge.WithLabelValues(upstream, replica)
	gauge.Set(0)
	return &Breaker{cb: gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        upstream,
		MaxRequests: 1,
		Timeout:     s.OpenTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= s.Failures },
		IsExcluded:  func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			log.Warn("circuit breaker state changed", "upstream", name, "replica", replica, "from", from.String(), "to", to.String())
			gauge.Set(float64(to))
		},
	})}
}

// Allow asks the breaker for permission. On success the caller must call
// done with the outcome: nil, ErrUpstream, a timeout, a connection error,
// or context.Canceled for a client that went away (which is not counted).
func (b *Breaker) Allow() (done func(error), err error) {
	done, err = b.cb.Allow()
	if err != nil {
		return nil, ErrOpen
	}
	return done, nil
}

// State is "closed", "half-open" or "open".
func (b *Breaker) State() string { return b.cb.State().String() }
