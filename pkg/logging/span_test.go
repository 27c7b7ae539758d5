package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/eventshop/eventshop/pkg/logging"
)

func TestLinesInsideASpanCarryItsIDs(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := logging.NewTo(&buf, "order", "json")
	ctx, span := sdktrace.NewTracerProvider().Tracer("test").Start(context.Background(), "work")
	log.InfoContext(ctx, "inside")
	span.End()
	log.InfoContext(context.Background(), "outside")
	log.Info("no context")

	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(lines), buf.String())
	}
	sc := span.SpanContext()
	tests := []struct {
		line          []byte
		trace, spanID string
	}{
		{lines[0], sc.TraceID().String(), sc.SpanID().String()},
		{lines[1], "", ""},
		{lines[2], "", ""},
	}
	for _, tt := range tests {
		var rec map[string]any
		if err := json.Unmarshal(tt.line, &rec); err != nil {
			t.Fatalf("line %s: %v", tt.line, err)
		}
		gotTrace, _ := rec["trace_id"].(string)
		gotSpan, _ := rec["span_id"].(string)
		if gotTrace != tt.trace || gotSpan != tt.spanID {
			t.Errorf("line %s: trace_id %q span_id %q, want %q %q", tt.line, gotTrace, gotSpan, tt.trace, tt.spanID)
		}
	}
}

func TestWithSpanKeepsAttrsOfWith(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := logging.NewTo(&buf, "order", "json").With("order_id", "o-1")
	ctx, span := sdktrace.NewTracerProvider().Tracer("test").Start(context.Background(), "work")
	defer span.End()
	log.InfoContext(ctx, "inside")
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["order_id"] != "o-1" || rec["trace_id"] != span.SpanContext().TraceID().String() {
		t.Errorf("record %v: want order_id o-1 and the span's trace_id", rec)
	}
}
