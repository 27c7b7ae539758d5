package bus

import (
	"context"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/tracing"
)

// tracerName names the bus's producer and consumer spans.
const tracerName = "github.com/eventshop/eventshop/pkg/bus"

// HeaderCarrier adapts NATS message headers to OpenTelemetry's propagators.
// NATS headers are case-sensitive, and the W3C names are lower case.
type HeaderCarrier nats.Header

var _ propagation.TextMapCarrier = HeaderCarrier(nil)

// Get returns the first value of key.
func (c HeaderCarrier) Get(key string) string { return nats.Header(c).Get(key) }

// Set replaces the values of key with value.
func (c HeaderCarrier) Set(key, value string) { nats.Header(c).Set(key, value) }

// Keys lists the header names.
func (c HeaderCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// WithTracerProvider makes the bus record producer and consumer spans with
// tp. Without it, Connect uses the global provider when tracing is enabled
// (tracing.Enabled) and records no span otherwise: an event's traceparent
// then rides along unchanged.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(b *Bus) { b.tracer = tp.Tracer(tracerName) }
}

// defaultTracer is the global provider's tracer when tracing is enabled, nil otherwise.
func defaultTracer() trace.Tracer {
	if !tracing.Enabled() {
		return nil
	}
	return otel.Tracer(tracerName)
}

// messagingAttrs describe ev as a message on NATS.
func messagingAttrs(ev event.Event, op attribute.KeyValue) []attribute.KeyValue {
	return []attribute.KeyValue{
		semconv.MessagingSystemKey.String("nats"), op,
		semconv.MessagingDestinationName(ev.NATSSubject()), semconv.MessagingMessageID(ev.ID),
		attribute.String("event.type", ev.Type),
	}
}

// startPublish starts the PRODUCER span of publishing ev, a child of the
// span that wrote ev (its TraceParent), and puts the span's context in the
// message's headers with the global propagator. It returns nil when the bus
// records no span: the headers keep ev's TraceParent.
func (b *Bus) startPublish(ctx context.Context, ev event.Event, h nats.Header) trace.Span {
	if b.tracer == nil {
		return nil
	}
	ctx, span := b.tracer.Start(tracing.Remote(ctx, ev.TraceParent), "send "+ev.Type,
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(messagingAttrs(ev, semconv.MessagingOperationTypeSend)...))
	otel.GetTextMapPropagator().Inject(ctx, HeaderCarrier(h))
	return span
}

// startConsume starts the CONSUMER span of handling a delivered message, a
// child of the producer span in its headers. When the bus records no span,
// the returned span only carries the producer's context on, so that the
// handler's logs and events stay in its trace.
func (c *Consumer) startConsume(ctx context.Context, h nats.Header, ev event.Event, delivered uint64) trace.Span {
	if c.b.tracer == nil { // the headers' traceparent is ev's
		return trace.SpanFromContext(tracing.Remote(ctx, ev.TraceParent))
	}
	ctx = otel.GetTextMapPropagator().Extract(ctx, HeaderCarrier(h))
	attrs := append(messagingAttrs(ev, semconv.MessagingOperationTypeProcess),
		semconv.MessagingConsumerGroupName(c.cfg.Durable), attribute.Int64("messaging.nats.delivered", int64(delivered)))
	_, span := c.b.tracer.Start(ctx, "process "+ev.Type, trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(attrs...))
	return span
}

// endSpan ends span, if any, as failed when err is not nil.
func endSpan(span trace.Span, err error) {
	if span == nil {
		return
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// WithSpan returns ctx inside the message's CONSUMER span: a batch handler
// runs each message's work under it, so that its logs, its database calls
// and the events it writes belong to the message's trace.
func (m Message) WithSpan(ctx context.Context) context.Context {
	if m.Span == nil {
		return ctx
	}
	return trace.ContextWithSpan(ctx, m.Span)
}
