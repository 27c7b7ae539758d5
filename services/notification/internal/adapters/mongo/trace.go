package mongo

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// tracerName names the spans of MongoDB commands.
const tracerName = "github.com/eventshop/eventshop/services/notification/internal/adapters/mongo"

// CommandSpans makes a CLIENT span of every MongoDB command sent inside a
// span: the driver's command monitor reports a command's start and its end
// apart, so the spans under way are kept by request id until then. A
// command of background work outside any span (the relay's and the
// worker's sweeps) is not traced, as each would be a trace of its own.
type CommandSpans struct {
	tracer trace.Tracer
	mu     sync.Mutex
	spans  map[spanKey]trace.Span
}

// spanKey tells a command apart: request ids are unique per connection.
type spanKey struct {
	conn string
	req  int64
}

// NewCommandSpans returns command spans recorded with the global tracer provider.
func NewCommandSpans() *CommandSpans {
	return &CommandSpans{tracer: otel.Tracer(tracerName), spans: make(map[spanKey]trace.Span)}
}

// Monitor is the driver's monitor of s, for options.Client().SetMonitor.
func (s *CommandSpans) Monitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Started: s.started,
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			s.end(e.ConnectionID, e.RequestID, nil)
		},
		Failed: func(_ context.Context, e *event.CommandFailedEvent) {
			s.end(e.ConnectionID, e.RequestID, e.Failure)
		},
	}
}

func (s *CommandSpans) started(ctx context.Context, e *event.CommandStartedEvent) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return
	}
	coll := ""
	if el, err := e.Command.IndexErr(0); err == nil {
		coll, _ = el.Value().StringValueOK() // find, insert, update… name their collection
	}
	name := e.CommandName
	if coll != "" {
		name += " " + coll
	}
	_, span := s.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		semconv.DBSystemNameMongoDB, semconv.DBOperationName(e.CommandName),
		semconv.DBNamespace(e.DatabaseName), semconv.DBCollectionName(coll)))
	s.mu.Lock()
	s.spans[spanKey{e.ConnectionID, e.RequestID}] = span
	s.mu.Unlock()
}

func (s *CommandSpans) end(conn string, req int64, failure error) {
	k := spanKey{conn, req}
	s.mu.Lock()
	span, ok := s.spans[k]
	delete(s.spans, k)
	s.mu.Unlock()
	if !ok {
		return
	}
	if failure != nil {
		span.RecordError(failure)
		span.SetStatus(codes.Error, "command failed")
	}
	span.End()
}
