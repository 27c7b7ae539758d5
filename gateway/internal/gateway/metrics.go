package gateway

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/eventshop/eventshop/gateway/internal/routes"
)

var (
	// requests and latency are the services' route metrics
	// (docs/metrics.md), named and described alike so that one dashboard
	// query covers the gateway and every service; the gateway's latency
	// includes the upstream's.
	requests = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: "eventshop", Subsystem: "http", Name: "requests_total",
		Help:        "HTTP requests answered, by route, method and status code.",
		ConstLabels: prometheus.Labels{"service": "gateway"},
	}, []string{"route", "method", "code"})
	latency = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "eventshop", Subsystem: "http", Name: "request_duration_seconds",
		Help:        "Time to answer an HTTP request, by route and method.",
		ConstLabels: prometheus.Labels{"service": "gateway"},
		// Finer below a millisecond than the services': the gateway's own
		// share of a request is tens of microseconds.
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method"})
	rateLimited = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: "eventshop", Subsystem: "gateway", Name: "rate_limited_total",
		Help:        "Requests refused with 429 by rate class.",
		ConstLabels: prometheus.Labels{"service": "gateway"},
	}, []string{"class"})
	cacheResults = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: "eventshop", Subsystem: "gateway", Name: "cache_requests_total",
		Help:        "Catalogue cache lookups by result (HIT, MISS).",
		ConstLabels: prometheus.Labels{"service": "gateway"},
	}, []string{"result"})
)

// routeMetrics are one route's series, resolved once: looking a series up
// by its label values on every request costs a hash and a lock.
type routeMetrics struct {
	route    *routes.Route
	latency  prometheus.Observer
	byStatus [600]atomic.Pointer[prometheus.Counter] // resolved on first use
}

// newRouteMetrics resolves the series of every route of table, keyed by the
// route pointers the matcher hands out.
func newRouteMetrics(table []routes.Route) map[*routes.Route]*routeMetrics {
	out := make(map[*routes.Route]*routeMetrics, len(table))
	for i := range table {
		rt := &table[i]
		out[rt] = &routeMetrics{route: rt, latency: latency.WithLabelValues(rt.Path, rt.Method)}
	}
	return out
}

func (m *routeMetrics) observe(status int, elapsed time.Duration) {
	m.latency.Observe(elapsed.Seconds())
	if status < 0 || status >= len(m.byStatus) {
		requests.WithLabelValues(m.route.Path, m.route.Method, strconv.Itoa(status)).Inc()
		return
	}
	c := m.byStatus[status].Load()
	if c == nil {
		resolved := requests.WithLabelValues(m.route.Path, m.route.Method, strconv.Itoa(status))
		c = &resolved
		m.byStatus[status].Store(c)
	}
	(*c).Inc()
}
