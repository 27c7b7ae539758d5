package tracing_test

import (
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/eventshop/eventshop/pkg/tracing"
)

// receiver counts the OTLP export requests it is sent.
func receiver(t *testing.T) (url string, exports *atomic.Int32) {
	t.Helper()
	url, exports, _ = resources(t)
	return url, exports
}

// resources is a receiver that also keeps the resource attributes of the
// spans it is sent, by key.
func resources(t *testing.T) (url string, exports *atomic.Int32, attrs func() map[string]string) {
	t.Helper()
	exports = new(atomic.Int32)
	var mu sync.Mutex
	got := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/v1/traces" {
			http.NotFound(w, r)
			return
		}
		exports.Add(1)
		var req collectorpb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, rs := range req.GetResourceSpans() {
			for _, kv := range rs.GetResource().GetAttributes() {
				got[kv.GetKey()] = kv.GetValue().GetStringValue()
			}
		}
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, exports, func() map[string]string {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(got)
	}
}

// setup runs tracing.Setup with env and restores OpenTelemetry's globals after the test.
func setup(t *testing.T, env map[string]string) tracing.Shutdown {
	t.Helper()
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) })
	for _, k := range []string{tracing.EnvEndpoint, tracing.EnvTracesEndpoint, "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_SERVICE_NAME"} {
		t.Setenv(k, env[k])
	}
	shutdown, err := tracing.Setup(t.Context(), "order")
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	return shutdown
}

// TestNoEndpointIdsButNoRecording: without an endpoint a root span records
// nothing (there is no exporter to send it to), but it has ids, which the
// logs and the events carry.
func TestNoEndpointIdsButNoRecording(t *testing.T) {
	shutdown := setup(t, nil)
	if tracing.Enabled() {
		t.Fatal("Enabled() = true with no endpoint set")
	}
	ctx, span := otel.Tracer("test").Start(context.Background(), "work")
	span.End()
	if span.IsRecording() || span.SpanContext().IsSampled() {
		t.Errorf("span recording %v, sampled %v: want neither", span.IsRecording(), span.SpanContext().IsSampled())
	}
	if !span.SpanContext().IsValid() || tracing.TraceParent(ctx) == "" {
		t.Errorf("span context %v, traceparent %q: want ids for the logs and the events", span.SpanContext(), tracing.TraceParent(ctx))
	}
	if err := shutdown(t.Context()); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// TestNoEndpointCarriesAnIncomingTrace: a span under an incoming
// traceparent stays in its trace, so a caller's trace id reaches the logs
// and the events.
func TestNoEndpointCarriesAnIncomingTrace(t *testing.T) {
	setup(t, nil)
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	ctx, span := otel.Tracer("test").Start(tracing.Remote(context.Background(), tp), "work")
	defer span.End()
	if got, want := tracing.TraceID(tracing.TraceParent(ctx)), tracing.TraceID(tp); got != want {
		t.Errorf("trace id = %q, want the incoming %q", got, want)
	}
}

func TestEndpointExportsOnShutdown(t *testing.T) {
	url, exports := receiver(t)
	shutdown := setup(t, map[string]string{tracing.EnvEndpoint: url})
	_, span := otel.Tracer("test").Start(context.Background(), "work")
	span.End()
	if !span.SpanContext().IsSampled() {
		t.Fatal("span not sampled under the default sampler")
	}
	if err := shutdown(t.Context()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if n := exports.Load(); n != 1 {
		t.Errorf("receiver got %d exports after shutdown, want 1", n)
	}
}

func TestServiceNameAndResourceFromEnv(t *testing.T) {
	tests := []struct {
		name        string
		env         map[string]string
		service, ns string
	}{
		{"default", nil, "order", ""},
		{"OTEL_SERVICE_NAME", map[string]string{"OTEL_SERVICE_NAME": "shop-order"}, "shop-order", ""},
		{"OTEL_RESOURCE_ATTRIBUTES", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.namespace=eventshop"}, "order", "eventshop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, _, attrs := resources(t)
			env := map[string]string{tracing.EnvEndpoint: url}
			maps.Copy(env, tt.env)
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", env["OTEL_RESOURCE_ATTRIBUTES"])
			shutdown := setup(t, env)
			_, span := otel.Tracer("test").Start(context.Background(), "work")
			span.End()
			if err := shutdown(t.Context()); err != nil {
				t.Fatalf("shutdown: %v", err)
			}
			got := attrs()
			if got["service.name"] != tt.service || got["service.namespace"] != tt.ns {
				t.Errorf("resource %v, want service.name %q, service.namespace %q", got, tt.service, tt.ns)
			}
		})
	}
}

func TestSamplerFromEnv(t *testing.T) {
	tests := []struct {
		sampler, arg string
		sampled      bool
	}{
		{"always_on", "", true},
		{"always_off", "", false},
		{"traceidratio", "0", false},
		{"traceidratio", "1", true},
		{"parentbased_always_off", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.sampler+tt.arg, func(t *testing.T) {
			url, _ := receiver(t)
			shutdown := setup(t, map[string]string{tracing.EnvTracesEndpoint: url + "/v1/traces",
				"OTEL_TRACES_SAMPLER": tt.sampler, "OTEL_TRACES_SAMPLER_ARG": tt.arg})
			t.Cleanup(func() { _ = shutdown(context.Background()) })
			_, span := otel.Tracer("test").Start(context.Background(), "work")
			span.End()
			if got := span.SpanContext().IsSampled(); got != tt.sampled {
				t.Errorf("sampled = %v, want %v", got, tt.sampled)
			}
		})
	}
}

func TestTraceParentRoundTrip(t *testing.T) {
	t.Parallel()
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("test").Start(context.Background(), "work")
	defer span.End()
	s := tracing.TraceParent(ctx)
	sc := trace.SpanContextFromContext(tracing.Remote(context.Background(), s))
	if !sc.Equal(span.SpanContext().WithRemote(true)) {
		t.Errorf("Remote(TraceParent) = %v, want %v", sc, span.SpanContext())
	}
	if got, want := tracing.TraceID(s), span.SpanContext().TraceID().String(); got != want {
		t.Errorf("TraceID = %q, want %q", got, want)
	}
	for _, bad := range []string{"", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"} {
		if got := tracing.TraceID(bad); got != "" {
			t.Errorf("TraceID(%q) = %q, want empty", bad, got)
		}
		if got := tracing.TraceParent(tracing.Remote(context.Background(), bad)); got != "" {
			t.Errorf("TraceParent(Remote(%q)) = %q, want empty", bad, got)
		}
	}
}

// batches is a receiver that keeps how many spans each export request held.
func batches(t *testing.T) (url string, sizes func() []int) {
	t.Helper()
	var mu sync.Mutex
	var got []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req collectorpb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		n := 0
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				n += len(ss.GetSpans())
			}
		}
		mu.Lock()
		got = append(got, n)
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
}

// TestExportBatchSizes: spans go out in batches of up to 2,048 (and a
// queue that holds 3,000 spans made at once), unless
// OTEL_BSP_MAX_EXPORT_BATCH_SIZE says otherwise; every span arrives.
func TestExportBatchSizes(t *testing.T) {
	for _, tc := range []struct {
		name, batchEnv string
		want           int
	}{
		{"default", "", 2048},
		{"from the environment", "100", 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, sizes := batches(t)
			t.Setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", tc.batchEnv)
			t.Setenv("OTEL_BSP_MAX_QUEUE_SIZE", "")
			shutdown := setup(t, map[string]string{tracing.EnvEndpoint: url})
			const spans = 3000
			for range spans {
				_, span := otel.Tracer("test").Start(context.Background(), "work")
				span.End()
			}
			if err := shutdown(t.Context()); err != nil {
				t.Fatalf("shutdown: %v", err)
			}
			got := sizes()
			if len(got) == 0 {
				t.Fatal("no export request")
			}
			if total, largest := sum(got), slices.Max(got); total != spans || largest != tc.want {
				t.Errorf("batches %v: %d spans, largest %d; want %d spans, largest %d", got, total, largest, spans, tc.want)
			}
		})
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
