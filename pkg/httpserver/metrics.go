package httpserver

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// durationBuckets are the bounds of the request duration histogram, in
// seconds, from half a millisecond to the slowest answers worth telling apart.
func durationBuckets() []float64 {
	return []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}
}

// routeMetrics are the rate, errors and duration of every route: the
// requests counter by status code (errors are the 5xx codes) and the
// duration histogram.
type routeMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// newRouteMetrics builds the route metrics and registers them on reg.
func newRouteMetrics(reg prometheus.Registerer) *routeMetrics {
	m := &routeMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "eventshop", Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by route, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "eventshop", Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route and method.",
			Buckets: durationBuckets(),
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// middleware records every request under its route pattern, so that ids in
// paths do not become series.
func (m *routeMetrics) middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			status := c.Response().Status
			if err != nil {
				status = toProblem(err).Status
			}
			route, method := c.Path(), c.Request().Method
			m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
			m.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
			return err
		}
	}
}
