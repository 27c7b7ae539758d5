package tracing

import (
	"context"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Header is the W3C Trace Context header, which an event also stores.
const Header = "traceparent"

// TraceParent is the W3C traceparent of ctx's span, or "" when ctx has none:
// the carrier an event stores, so that the span that publishes it becomes
// a child of the one that wrote it.
func TraceParent(ctx context.Context) string {
	return Format(trace.SpanContextFromContext(ctx))
}

// Format is the traceparent of sc, or "" when sc is not valid.
func Format(sc trace.SpanContext) string {
	if !sc.IsValid() {
		return ""
	}
	return "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-" + sc.TraceFlags().String()
}

// Remote returns ctx carrying the remote span context tp names, to start
// children of it; ctx unchanged when tp is empty or not valid.
func Remote(ctx context.Context, tp string) context.Context {
	if tp == "" {
		return ctx
	}
	return propagation.TraceContext{}.Extract(ctx, propagation.MapCarrier{Header: tp})
}

// TraceID is the trace id of tp in hex, or "" when tp is not a valid traceparent.
func TraceID(tp string) string {
	sc := trace.SpanContextFromContext(Remote(context.Background(), tp))
	if !sc.IsValid() {
		return ""
	}
	return sc.TraceID().String()
}
