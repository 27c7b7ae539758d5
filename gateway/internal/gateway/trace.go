package gateway

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventshop/eventshop/pkg/tracing"
)

// tracerName names the gateway's spans.
const tracerName = "github.com/eventshop/eventshop/gateway"

// newTracer is the gateway's tracer when tracing is enabled (an OTLP
// endpoint is set), nil otherwise: then a request pays for no span at all,
// and the client's traceparent, if any, goes upstream unchanged.
func newTracer() trace.Tracer {
	if !tracing.Enabled() {
		return nil
	}
	return otel.Tracer(tracerName)
}

// serve runs next inside the request's SERVER span, a child of the client's
// traceparent when it sent one, named after the route; the answer carries
// the span's traceparent.
func (g *Gateway) serve(c echo.Context, next echo.HandlerFunc) error {
	r := c.Request()
	route := c.Path()
	if route == "" {
		route = "unknown route"
	}
	ctx := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, span := g.tracer.Start(ctx, r.Method+" "+route, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(semconv.HTTPRequestMethodKey.String(r.Method), semconv.HTTPRoute(route), semconv.URLPath(r.URL.Path)))
	defer span.End()
	c.Response().Header().Set(tracing.Header, tracing.TraceParent(ctx))
	c.SetRequest(r.WithContext(ctx))
	err := next(c)
	setStatus(span, c.Response().Status)
	return err
}

// startClient starts the CLIENT span of a request to upstream and returns
// the traceparent the request carries: the span's when tracing, else the
// client's (in h, the incoming request's headers).
func (g *Gateway) startClient(ctx context.Context, upstream string, h http.Header) (context.Context, trace.Span, string) {
	if g.tracer == nil {
		if v := h["Traceparent"]; len(v) > 0 { // no canonicalising Get on the hot path
			return ctx, nil, v[0]
		}
		return ctx, nil, ""
	}
	ctx, span := g.tracer.Start(ctx, "proxy "+upstream, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("upstream", upstream)))
	return ctx, span, tracing.TraceParent(ctx)
}

// setStatus records the answer's status on an HTTP span; a 5xx is an error.
func setStatus(span trace.Span, status int) {
	span.SetAttributes(semconv.HTTPResponseStatusCode(status))
	if status >= http.StatusInternalServerError {
		span.SetStatus(codes.Error, http.StatusText(status))
	}
}

// traceID is the trace id a log line of the request names: none when the
// request has a span (the logger adds the span's ids), else the client's.
func traceID(r *http.Request) string {
	if trace.SpanContextFromContext(r.Context()).IsValid() {
		return ""
	}
	return tracing.TraceID(r.Header.Get(tracing.Header))
}
