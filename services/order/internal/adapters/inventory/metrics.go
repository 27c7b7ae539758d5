package inventory

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// breakerState is the inventory breaker's state: 0 closed, 1 half-open, 2 open.
var breakerState = promauto.NewGauge(prometheus.GaugeOpts{
	Namespace:   "eventshop",
	Name:        "breaker_state",
	Help:        "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
	ConstLabels: prometheus.Labels{"service": "order", "breaker": "inventory"},
})
