package httpserver

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventshop/eventshop/pkg/tracing"
)

// tracerName names the spans of a service's HTTP server.
const tracerName = "github.com/eventshop/eventshop/pkg/httpserver"

// traced continues the request's trace (its traceparent header) in a
// SERVER span named after the route, "POST /api/v1/orders", and answers
// with the span's traceparent, which a client can look its trace up by.
// Probes (/healthz, /readyz, /metrics) get no span: they would be most of
// the traces and say nothing.
func traced() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			route := c.Path()
			switch route {
			case "/healthz", "/readyz", "/metrics":
				return next(c)
			case "":
				route = "unknown route" // a 404: no path, whose variety would name spans without end
			}
			r := c.Request()
			ctx := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
			ctx, span := otel.Tracer(tracerName).Start(ctx, r.Method+" "+route, trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(semconv.HTTPRequestMethodKey.String(r.Method), semconv.HTTPRoute(route), semconv.URLPath(r.URL.Path)))
			defer span.End()
			if tp := tracing.TraceParent(ctx); tp != "" {
				c.Response().Header().Set(tracing.Header, tp)
			}
			c.SetRequest(r.WithContext(ctx))
			err := next(c)
			status := c.Response().Status
			if err != nil && !c.Response().Committed {
				status = toProblem(err).Status // the error handler renders it later
			}
			span.SetAttributes(semconv.HTTPResponseStatusCode(status))
			if status >= http.StatusInternalServerError {
				span.SetStatus(codes.Error, strconv.Itoa(status))
			}
			return err
		}
	}
}
