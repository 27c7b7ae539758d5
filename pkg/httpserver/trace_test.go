package httpserver_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/pkg/tracing"
)

// TestRequestsAreServerSpansOfTheirRoute serves requests with a tracer
// provider installed, as tracing.Setup does with an endpoint, and checks
// the spans: one SERVER span per request named after its route, a child of
// the caller's traceparent, failed on a 5xx; none for the probes.
func TestRequestsAreServerSpansOfTheirRoute(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)))
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) })

	s := httpserver.New(slog.New(slog.NewTextHandler(io.Discard, nil)), "test")
	s.Echo.GET("/things/:id", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	s.Echo.GET("/broken", func(echo.Context) error { return errors.New("boom") })

	const caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	rec := serve(t, s, "/things/42", caller)
	if got := tracing.TraceID(rec.Header().Get("traceparent")); got != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("answer's traceparent %q, want one in the caller's trace", rec.Header().Get("traceparent"))
	}
	serve(t, s, "/broken", "")
	serve(t, s, "/healthz", caller)

	spans := exp.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("got %d spans (%v), want 2: none for /healthz", len(spans), spans)
	}
	tests := []struct {
		name   string
		parent string
		status codes.Code
	}{
		{"GET /things/:id", "00f067aa0ba902b7", codes.Unset},
		{"GET /broken", "0000000000000000", codes.Error},
	}
	for i, tt := range tests {
		sp := spans[i]
		if sp.Name != tt.name || sp.SpanKind != trace.SpanKindServer || sp.Parent.SpanID().String() != tt.parent || sp.Status.Code != tt.status {
			t.Errorf("span %d: %q kind %v parent %s status %v, want %q SERVER parent %s status %v",
				i, sp.Name, sp.SpanKind, sp.Parent.SpanID(), sp.Status.Code, tt.name, tt.parent, tt.status)
		}
	}
}

func serve(t *testing.T, s *httpserver.Server, path, traceparent string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if traceparent != "" {
		req.Header.Set("traceparent", traceparent)
	}
	rec := httptest.NewRecorder()
	s.Echo.ServeHTTP(rec, req)
	return rec
}
