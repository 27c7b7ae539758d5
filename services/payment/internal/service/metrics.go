package service

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
)

// breakerState is the provider breaker's state for /metrics: 0 closed,
// 1 half-open, 2 open (gobreaker's numbering).
var breakerState = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "payment_breaker_state",
	Help: "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
}, []string{"breaker"})

// breakerTransitions counts breaker state changes by target state.
var breakerTransitions = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "payment_breaker_transitions_total",
	Help: "Circuit breaker state changes by breaker and new state.",
}, []string{"breaker", "to"})

var registerOnce sync.Once

// registerMetrics registers the service's metrics once per process, so that
// tests may start several services.
func registerMetrics() {
	registerOnce.Do(func() {
		prometheus.MustRegister(breakerState, breakerTransitions)
	})
}

func recordBreaker(name string, to gobreaker.State) {
	breakerState.WithLabelValues(name).Set(float64(to))
	breakerTransitions.WithLabelValues(name, to.String()).Inc()
}
