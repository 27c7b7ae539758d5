package balancer

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
)

// ErrOpen is returned by Do while no replica's breaker admits a request
// (open, or half-open with its trial already in flight).
var ErrOpen = errors.New("circuit breaker open")

// ErrUpstream is the failure a send records for a 5xx answer.
var ErrUpstream = errors.New("upstream server error")

// Settings configures the breaker of each replica. Zero values: Failures
// 5, OpenTimeout 10s.
type Settings struct {
	Failures    uint32        // consecutive failures that open a breaker
	OpenTimeout time.Duration // how long a breaker stays open before a trial
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

// breaker is the breaker of one replica: 5xx answers, timeouts and failed
// connections count as failures, a caller that went away counts as
// nothing, and an open breaker fails requests at once instead of queueing
// them on a sick replica.
//
// A replica that could not be reached, and whose readiness probe then
// answers, gets a closed breaker at once (reset) rather than after the
// open timeout: a restarted process is back within a second, and the
// probe has just shown it serves. Envoy does the same when an active
// health check succeeds on a host its outlier detection ejected.
type breaker struct {
	cb  atomic.Pointer[gobreaker.TwoStepCircuitBreaker[struct{}]]
	new func() *gobreaker.TwoStepCircuitBreaker[struct{}]
	log func(msg string)
}

// Status is one breaker's state as the gateway's admin endpoint shows it:
// the upstream and its replica (with the replica's readiness); a
// service's own breakers have only a name.
type Status struct {
	Name    string `json:"name"`
	Replica string `json:"replica,omitempty"`
	State   string `json:"state"`
	Ready   *bool  `json:"ready,omitempty"`
}

// newBreaker returns a closed breaker for replica (its host:port) of
// upstream, reporting its state to gauge (nil for none).
func newBreaker(log *slog.Logger, s Settings, upstream, replica string, gauge prometheus.Gauge) *breaker {
	s = s.WithDefaults()
	setGauge(gauge, 0)
	settings := gobreaker.Settings{
		Name:        upstream,
		MaxRequests: 1,
		Timeout:     s.OpenTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= s.Failures },
		IsExcluded:  func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			log.Warn("circuit breaker state changed", "upstream", name, "replica", replica, "from", from.String(), "to", to.String())
			setGauge(gauge, float64(to))
		},
	}
	b := &breaker{
		new: func() *gobreaker.TwoStepCircuitBreaker[struct{}] {
			return gobreaker.NewTwoStepCircuitBreaker[struct{}](settings)
		},
		log: func(msg string) {
			log.Warn(msg, "upstream", upstream, "replica", replica)
			setGauge(gauge, float64(gobreaker.StateClosed))
		},
	}
	b.cb.Store(b.new())
	return b
}

// allow asks the breaker for permission. On success the caller must call
// done with the outcome: nil, ErrUpstream, a timeout, a connection error,
// or context.Canceled for a client that went away (which is not counted).
func (b *breaker) allow() (done func(error), err error) {
	done, err = b.cb.Load().Allow()
	if err != nil {
		return nil, ErrOpen
	}
	return done, nil
}

// state is "closed", "half-open" or "open".
func (b *breaker) state() string { return b.cb.Load().State().String() }

// reset closes the breaker if it is not closed: the replica answered its
// probe. An outcome reported to the breaker it replaced is not counted.
func (b *breaker) reset() {
	old := b.cb.Load()
	if old.State() == gobreaker.StateClosed {
		return
	}
	if b.cb.CompareAndSwap(old, b.new()) {
		b.log("circuit breaker closed: the replica answers its readiness probe")
	}
}
