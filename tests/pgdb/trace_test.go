// Package pgdb_test checks what pkg/pgdb adds to a pool, on a real
// PostgreSQL.
package pgdb_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/pkg/tracing"
	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestStatementsInsideASpanAreClientSpans opens a pool with tracing
// enabled and checks that a statement run inside a span is a CLIENT span,
// its child, and that a statement outside any span (background work) makes
// none.
func TestStatementsInsideASpanAreClientSpans(t *testing.T) {
	t.Setenv(tracing.EnvEndpoint, "http://127.0.0.1:1") // enabled; nothing is exported there
	exp := tracetest.NewInMemoryExporter()
	prev := otel.GetTracerProvider()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	pool, err := pgdb.NewPool(testkit.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := pool.Ping(t.Context()); err != nil { // connects outside any span
		t.Fatal(err)
	}
	if _, err := pool.Exec(context.Background(), "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if n := len(exp.GetSpans()); n != 0 {
		t.Fatalf("%d spans for statements outside any span, want none: %v", n, exp.GetSpans())
	}
	ctx, parent := tp.Tracer("test").Start(t.Context(), "handle")
	if _, err := pool.Exec(ctx, "SELECT 2"); err != nil {
		t.Fatal(err)
	}
	parent.End()

	var stmt []tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if s.SpanKind == trace.SpanKindClient {
			stmt = append(stmt, s)
		}
	}
	if len(stmt) != 1 || stmt[0].Parent.SpanID() != parent.SpanContext().SpanID() {
		t.Fatalf("client spans %v, want one child of the span %s", stmt, parent.SpanContext().SpanID())
	}
}
