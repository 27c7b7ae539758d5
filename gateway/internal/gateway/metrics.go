package gateway

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	requests = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: "eventshop", Subsystem: "gateway", Name: "requests_total",
		Help: "Proxied requests by route, method and status.",
	}, []string{"route", "method", "status"})
	latency = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "eventshop", Subsystem: "gateway", Name: "request_duration_seconds",
		Help:    "Latency of proxied requests by route and method, including the upstream.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method"})
	rateLimited = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: "eventshop", Subsystem: "gateway", Name: "rate_limited_total",
		Help: "Requests refused with 429 by rate class.",
	}, []string{"class"})
	cacheResults = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: "eventshop", Subsystem: "gateway", Name: "cache_requests_total",
		Help: "Catalogue cache lookups by result (HIT, MISS).",
	}, []string{"result"})
)
