package pgdb

import (
	"context"
	"strings"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// spanTracer makes a client span of every statement, batch, prepare and
// copy that runs inside a span, with otelpgx: one span per round trip to
// the database. A batch is one span holding its statements' text, not a
// span more for each statement (otelpgx's own way): those would all start
// and end at once, as the batch's results are read, and timed nothing the
// batch's span does not. A statement of
// background work outside any span (the outbox relay's polls, pruning) is
// not traced: each would be a trace of its own, hiding the ones that tell
// a story.
type spanTracer struct{ t *otelpgx.Tracer }

// newSpanTracer is the tracer of a pool connecting as cfg says: statement
// text in the attributes, its operation in the span name, no span for
// acquiring a connection. The connection's details (server, port, user,
// database) are the same on every span of a pool, so they are given once
// here: otelpgx would otherwise copy the whole connection configuration
// for every span to read them.
func newSpanTracer(cfg *pgx.ConnConfig) spanTracer {
	return spanTracer{otelpgx.NewTracer(
		otelpgx.WithDisableAcquireTracer(),
		otelpgx.WithDisableConnectionDetailsInAttributes(),
		otelpgx.WithTracerAttributes(
			semconv.ServerAddress(cfg.Host), semconv.ServerPort(int(cfg.Port)),
			semconv.UserName(cfg.User), semconv.DBNamespace(cfg.Database)),
	)}
}

// inSpan reports whether ctx holds a span; a Trace*End whose start found
// none gets the same context back and so the same answer.
func inSpan(ctx context.Context) bool { return trace.SpanContextFromContext(ctx).IsValid() }

func (s spanTracer) TraceQueryStart(ctx context.Context, c *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if !inSpan(ctx) {
		return ctx
	}
	return s.t.TraceQueryStart(ctx, c, d)
}

func (s spanTracer) TraceQueryEnd(ctx context.Context, c *pgx.Conn, d pgx.TraceQueryEndData) {
	if inSpan(ctx) {
		s.t.TraceQueryEnd(ctx, c, d)
	}
}

func (s spanTracer) TraceBatchStart(ctx context.Context, c *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	if !inSpan(ctx) {
		return ctx
	}
	ctx = s.t.TraceBatchStart(ctx, c, d)
	if d.Batch != nil {
		trace.SpanFromContext(ctx).SetAttributes(semconv.DBQueryText(batchText(d.Batch)))
	}
	return ctx
}

// batchText is the text of a batch's statements, one a line.
func batchText(b *pgx.Batch) string {
	stmts := make([]string, len(b.QueuedQueries))
	for i, q := range b.QueuedQueries {
		stmts[i] = q.SQL
	}
	return strings.Join(stmts, ";\n")
}

// TraceBatchQuery makes no span: the batch's span holds the statement.
func (s spanTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (s spanTracer) TraceBatchEnd(ctx context.Context, c *pgx.Conn, d pgx.TraceBatchEndData) {
	if inSpan(ctx) {
		s.t.TraceBatchEnd(ctx, c, d)
	}
}

func (s spanTracer) TracePrepareStart(ctx context.Context, c *pgx.Conn, d pgx.TracePrepareStartData) context.Context {
	if !inSpan(ctx) {
		return ctx
	}
	return s.t.TracePrepareStart(ctx, c, d)
}

func (s spanTracer) TracePrepareEnd(ctx context.Context, c *pgx.Conn, d pgx.TracePrepareEndData) {
	if inSpan(ctx) {
		s.t.TracePrepareEnd(ctx, c, d)
	}
}

func (s spanTracer) TraceCopyFromStart(ctx context.Context, c *pgx.Conn, d pgx.TraceCopyFromStartData) context.Context {
	if !inSpan(ctx) {
		return ctx
	}
	return s.t.TraceCopyFromStart(ctx, c, d)
}

func (s spanTracer) TraceCopyFromEnd(ctx context.Context, c *pgx.Conn, d pgx.TraceCopyFromEndData) {
	if inSpan(ctx) {
		s.t.TraceCopyFromEnd(ctx, c, d)
	}
}
