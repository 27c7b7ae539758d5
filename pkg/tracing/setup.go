// Package tracing sets up OpenTelemetry for a binary of the platform and
// holds the few helpers every layer shares: the W3C traceparent of a span,
// which an event stores as its trace carrier, and the way back from it.
//
// The tracer provider, the propagator and the exporter are OpenTelemetry's
// globals (otel.SetTracerProvider, otel.SetTextMapPropagator); this package
// keeps no state of its own.
package tracing

import (
	"context"
	"fmt"
	"os"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
)

// The standard variables that name where spans are exported; with neither
// set, no exporter runs and no span is recorded (spans still get ids).
const (
	EnvEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
)

// Shutdown flushes the spans not yet exported and stops the exporter.
type Shutdown func(ctx context.Context) error

// Setup installs the W3C Trace Context propagator and, when an OTLP
// endpoint is set (EnvEndpoint or EnvTracesEndpoint), a tracer provider
// that exports spans over OTLP/HTTP through a batch span processor.
// service names the spans' resource unless OTEL_SERVICE_NAME overrides it;
// OTEL_RESOURCE_ATTRIBUTES adds attributes, and OTEL_TRACES_SAMPLER (with
// OTEL_TRACES_SAMPLER_ARG) picks the sampler, parentbased_always_on by
// default. Every other OTEL_EXPORTER_OTLP_* variable is the exporter's own.
//
// Without an endpoint nothing is recorded or exported, but trace ids are
// still made: the tracer provider never samples and has no span processor,
// so a span costs its ids and nothing more. A service's request that came
// without a traceparent thus starts a trace whose id reaches its log lines
// and the events it writes, and a trace context that arrives (a client's
// traceparent, an event's) is carried on. The gateway, the bus and the
// database tracers do not call it at all (Enabled).
func Setup(ctx context.Context, service string) (Shutdown, error) {
	otel.SetTextMapPropagator(propagation.TraceContext{})
	if !Enabled() {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
		otel.SetTracerProvider(tp)
		return tp.Shutdown, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("otlp exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(service)),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win
		resource.WithTelemetrySDK(),
	)
	if err != nil {
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	// No sampler option: the SDK reads OTEL_TRACES_SAMPLER itself.
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, batchOptions()...), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

// Enabled reports whether an OTLP endpoint is set, so that Setup exports spans.
func Enabled() bool {
	return os.Getenv(EnvEndpoint) != "" || os.Getenv(EnvTracesEndpoint) != ""
}

// The batch span processor's variables, which batchOptions leaves in charge.
const (
	envBatchSize = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"
	envQueueSize = "OTEL_BSP_MAX_QUEUE_SIZE"
)

// Export batches of up to 2,048 spans from a queue of 8,192, four times
// the SDK's defaults (512 and 2,048): a collector takes one large request
// for much less than four small ones (Jaeger on the platform's own cores
// spent about a quarter less CPU per order in make bench-saga), and a saga's burst
// of spans fits in the queue instead of being dropped.
const (
	batchSize = 2048
	queueSize = 8192
)

// batchOptions are the batch span processor's sizes, batchSize and
// queueSize, where OTEL_BSP_MAX_EXPORT_BATCH_SIZE and
// OTEL_BSP_MAX_QUEUE_SIZE do not set them: the SDK's options would win
// over the variables.
func batchOptions() []sdktrace.BatchSpanProcessorOption {
	var opts []sdktrace.BatchSpanProcessorOption
	if os.Getenv(envBatchSize) == "" {
		opts = append(opts, sdktrace.WithMaxExportBatchSize(batchSize))
	}
	if os.Getenv(envQueueSize) == "" {
		opts = append(opts, sdktrace.WithMaxQueueSize(queueSize))
	}
	return opts
}
