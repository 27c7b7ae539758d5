package balancer

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the gauges of every replica's breaker and readiness, built
// on the registry that serves them (NewMetrics) and passed in Options; a
// nil *Metrics records nothing, for a caller that reports its breakers
// another way (a service's /internal/breakers).
type Metrics struct {
	state *prometheus.GaugeVec
	ready *prometheus.GaugeVec
}

// NewMetrics builds eventshop_breaker_state{breaker, replica} with the
// const label service, and eventshop_gateway_replica_ready{upstream,
// replica}, and registers them on reg. Registered already (a second
// balancer of the process on the same registry), the existing ones are
// used.
func NewMetrics(reg prometheus.Registerer, service string) *Metrics {
	return &Metrics{
		state: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "eventshop", Name: "breaker_state",
			Help:        "Circuit breaker state: 0 closed, 1 half-open, 2 open (-1 unknown), by breaker and, in the gateway, by replica.",
			ConstLabels: prometheus.Labels{"service": service},
		}, []string{"breaker", "replica"})),
		ready: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "eventshop", Subsystem: "gateway", Name: "replica_ready",
			Help: "1 while an upstream replica gets requests (its probe answered and no connection failed since), 0 while it is down.",
		}, []string{"upstream", "replica"})),
	}
}

// register registers c on reg, or returns the collector registered
// already under its name.
func register(reg prometheus.Registerer, c *prometheus.GaugeVec) *prometheus.GaugeVec {
	err := reg.Register(c)
	var dup prometheus.AlreadyRegisteredError
	switch {
	case err == nil:
		return c
	case errors.As(err, &dup):
		if existing, ok := dup.ExistingCollector.(*prometheus.GaugeVec); ok {
			return existing
		}
	}
	panic(err)
}

// gauges returns the state and readiness gauges of a replica, nil for
// a nil *Metrics.
func (m *Metrics) gauges(upstream, replica string) (state, ready prometheus.Gauge) {
	if m == nil {
		return nil, nil
	}
	return m.state.WithLabelValues(upstream, replica), m.ready.WithLabelValues(upstream, replica)
}

func setGauge(g prometheus.Gauge, v float64) {
	if g != nil {
		g.Set(v)
	}
}
