package httpserver

import (
	"log/slog"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

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
