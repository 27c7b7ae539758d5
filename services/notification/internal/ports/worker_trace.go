package ports

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// tracerName names the worker's spans.
const tracerName = "github.com/eventshop/eventshop/services/notification/internal/ports"

// startRound starts the span of one delivery round of n: a child of the
// trace the notification was recorded in for a first round, a trace of its
// own for a retry, which runs long after that trace ended.
func startRound(ctx context.Context, name string, n domain.Notification) (context.Context, trace.Span) {
	return otel.Tracer(tracerName).Start(ctx, name, trace.WithAttributes(attribute.String("notification.id", n.ID())))
}

// failRound marks a round's span as failed.
func failRound(span trace.Span, err error) {
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
}
