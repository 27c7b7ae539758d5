package httpserver

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var requestDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
	Namespace: "eventshop",
	Name:      "http_request_duration_seconds",
	Help:      "HTTP requests by service, route, method and status.",
	Buckets:   []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
}, []string{"service", "route", "method", "status"})

func metrics(service string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			status := c.Response().Status
			if err != nil {
				status = toProblem(err).Status
			}
			requestDuration.WithLabelValues(service, c.Path(), c.Request().Method, strconv.Itoa(status)).
				Observe(time.Since(start).Seconds())
			return err
		}
	}
}

// accessLog logs one line per request; health and metrics probes are logged
// at debug level so they do not drown the log.
func accessLog(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURI: true, LogMethod: true, LogLatency: true, LogRequestID: true,
		// Render an error here, so that the line shows the status sent
		// (a 503 for an outage), not the 200 the response held before.
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			switch c.Path() {
			case "/healthz", "/readyz", "/metrics":
				level = slog.LevelDebug
			}
			log.Log(c.Request().Context(), level, "http request", "method", v.Method, "uri", v.URI,
				"status", v.Status, "latency_ms", float64(v.Latency.Microseconds())/1000, "request_id", v.RequestID)
			return nil
		},
	})
}
