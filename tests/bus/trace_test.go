package bus_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/tracing"
	"github.com/eventshop/eventshop/testkit"
)

// TestEachEventIsConsumedUnderAChildOfItsProducerSpan publishes events
// written in spans of three traces, consumed in batches, and checks each
// event's spans: a PRODUCER span that is a child of the span that wrote it,
// a CONSUMER span that is a child of that producer span, and the handler
// running inside the consumer span.
func TestEachEventIsConsumedUnderAChildOfItsProducerSpan(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.TraceContext{}) // as tracing.Setup does
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	srv := testkit.NATS(t)
	b := connectTo(t, srv, bus.WithTracerProvider(tp))

	var mu sync.Mutex
	handledIn := map[string]trace.SpanContext{} // event id → the span its handler ran in
	consume(t, b, bus.ConsumerConfig{BatchSize: 8}, bus.Each(func(ctx context.Context, ev event.Event) error {
		mu.Lock()
		defer mu.Unlock()
		handledIn[ev.ID] = trace.SpanContextFromContext(ctx)
		return nil
	}))
	writers := map[string]trace.SpanContext{}
	var evs []event.Event
	for i := range 3 {
		ctx, span := tp.Tracer("test").Start(t.Context(), fmt.Sprintf("write %d", i))
		ev := rejected(t, "out_of_stock")
		ev.TraceParent = tracing.TraceParent(ctx)
		span.End()
		writers[ev.ID] = span.SpanContext()
		evs = append(evs, ev)
	}
	publish(t, b, evs...)
	testkit.Eventually(t, wait, func() bool { mu.Lock(); defer mu.Unlock(); return len(handledIn) == len(evs) }, "events not handled")
	testkit.Eventually(t, wait, func() bool { return len(spansOfKind(exp, trace.SpanKindConsumer)) == len(evs) }, "consumer spans not ended")

	producers := spansOfKind(exp, trace.SpanKindProducer)
	for _, c := range spansOfKind(exp, trace.SpanKindConsumer) {
		p, ok := producers[c.Parent.SpanID()]
		if !ok {
			t.Errorf("consumer span %q: parent %s is no producer span", c.Name, c.Parent.SpanID())
			continue
		}
		var id string
		for _, a := range p.Attributes {
			if a.Key == "messaging.message.id" {
				id = a.Value.AsString()
			}
		}
		if w := writers[id]; p.Parent.SpanID() != w.SpanID() || p.SpanContext.TraceID() != w.TraceID() {
			t.Errorf("producer span of %s: parent %s in trace %s, want the writer's span %s in %s",
				id, p.Parent.SpanID(), p.SpanContext.TraceID(), w.SpanID(), w.TraceID())
		}
		if got := handledIn[id]; got.SpanID() != c.SpanContext.SpanID() {
			t.Errorf("handler of %s ran in span %s, want its consumer span %s", id, got.SpanID(), c.SpanContext.SpanID())
		}
	}
}

// TestWithoutTracingTheEventsTraceRidesAlong checks that a bus recording no
// span hands the handler the trace context the event was published with.
func TestWithoutTracingTheEventsTraceRidesAlong(t *testing.T) {
	t.Parallel()
	_, b := connect(t)
	got := make(chan string, 1)
	consume(t, b, bus.ConsumerConfig{}, bus.Each(func(ctx context.Context, _ event.Event) error {
		got <- tracing.TraceParent(ctx)
		return nil
	}))
	ev := rejected(t, "out_of_stock")
	publish(t, b, ev)
	select {
	case tp := <-got:
		if tp != ev.TraceParent {
			t.Errorf("handler's traceparent %q, want the event's %q", tp, ev.TraceParent)
		}
	case <-time.After(wait):
		t.Fatal("event not handled")
	}
}

// spansOfKind are the ended spans of kind, by span id.
func spansOfKind(exp *tracetest.InMemoryExporter, kind trace.SpanKind) map[trace.SpanID]tracetest.SpanStub {
	out := map[trace.SpanID]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		if s.SpanKind == kind {
			out[s.SpanContext.SpanID()] = s
		}
	}
	return out
}
