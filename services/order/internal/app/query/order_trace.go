package query

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Errors of OrderTraceHandler. The first two are about the trace store, not
// the order: the order exists and the caller may see it.
var (
	// ErrNoTraceStore is returned when the service is configured with no
	// trace store to read spans from.
	ErrNoTraceStore = errors.New("no trace store configured")
	// ErrTraceStoreUnavailable is returned when the trace store cannot be
	// read now (down, slow, or its breaker open).
	ErrTraceStoreUnavailable = errors.New("trace store unavailable")
	// ErrTraceNotFound is returned when the store holds none of the
	// order's traces: not sampled, not exported yet, or expired.
	ErrTraceNotFound = errors.New("trace not found")
)

// maxTraces bounds how many of an order's traces are read: its events
// normally share one trace; a saga timeout or a cancel starts another.
const maxTraces = 8

// Span is one operation of an order's trace, as the trace store holds it.
type Span struct {
	Service  string
	Name     string
	Kind     string // server, client, producer, consumer or internal
	Start    time.Time
	Duration time.Duration
	SpanID   string
	ParentID string // empty for a root span
}

// TraceStore reads traces from a trace store (Jaeger's query API).
type TraceStore interface {
	// Spans returns the spans of the trace, or ErrTraceNotFound.
	Spans(ctx context.Context, traceID string) ([]Span, error)
}

// OrderTrace asks for the spans of an order's saga as Viewer.
type OrderTrace struct {
	OrderID uuid.UUID
	Viewer  Viewer
}

// OrderTraceHandler reads the spans of an order's traces: the trace ids
// come from the order's timeline, the spans from the trace store.
type OrderTraceHandler struct {
	timeline TimelineHandler
	store    TraceStore
}

// NewOrderTraceHandler returns an OrderTraceHandler; a nil store means
// none is configured (ErrNoTraceStore).
func NewOrderTraceHandler(timeline TimelineHandler, store TraceStore) OrderTraceHandler {
	return OrderTraceHandler{timeline: timeline, store: store}
}

// Handle returns the spans of every trace the order's events carry, sorted
// by start time. An order the viewer may not see is domain.ErrNotFound,
// checked before the store is asked.
func (h OrderTraceHandler) Handle(ctx context.Context, q OrderTrace) ([]Span, error) {
	evs, err := h.timeline.Handle(ctx, Timeline(q))
	if err != nil {
		return nil, err
	}
	if h.store == nil {
		return nil, ErrNoTraceStore
	}
	var spans []Span
	found := false
	for _, id := range traceIDs(evs) {
		s, err := h.store.Spans(ctx, id)
		if errors.Is(err, ErrTraceNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("trace %s: %w", id, err)
		}
		found = true
		spans = append(spans, s...)
	}
	if !found {
		return nil, ErrTraceNotFound
	}
	slices.SortFunc(spans, func(a, b Span) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.SpanID, b.SpanID))
	})
	return spans, nil
}

// traceIDs returns the distinct trace ids of the events, in their order,
// at most maxTraces.
func traceIDs(evs []TimelineEvent) []string {
	var ids []string
	for _, ev := range evs {
		if ev.TraceID != "" && !slices.Contains(ids, ev.TraceID) && len(ids) < maxTraces {
			ids = append(ids, ev.TraceID)
		}
	}
	return ids
}
