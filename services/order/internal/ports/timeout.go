package ports

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/eventshop/eventshop/pkg/outage"
	"github.com/eventshop/eventshop/services/order/internal/app/command"
)

// Sweep settings of SagaTimeout.
const (
	// MinSweepInterval bounds how often the sweeper looks, however short the timeout.
	MinSweepInterval = 100 * time.Millisecond
	// SweepBatch is how many orders one transaction cancels.
	SweepBatch = 100
)

// tracerName names the spans of the order service's own jobs.
const tracerName = "github.com/eventshop/eventshop/services/order/internal/ports"

// SagaTimeout cancels orders that stayed PENDING longer than the timeout,
// which compensates sagas that heard nothing (a lost service, a dead
// letter). It sweeps every tenth of the timeout, so an order is cancelled at
// most ~10% late; replicas may sweep together, as each skips the rows
// another holds.
type SagaTimeout struct {
	cancel   command.CancelExpiredHandler
	timeout  time.Duration
	interval time.Duration
	log      *slog.Logger
	database *outage.Watch // logs an outage of the database once, not every sweep
}

// NewSagaTimeout returns a sweeper that cancels orders PENDING for longer than timeout.
func NewSagaTimeout(cancel command.CancelExpiredHandler, timeout time.Duration, log *slog.Logger) *SagaTimeout {
	return &SagaTimeout{cancel: cancel, timeout: timeout, interval: max(timeout/10, MinSweepInterval), log: log,
		database: outage.NewWatch(log, "saga timeout sweep: database", outage.Backoff{})}
}

// Run sweeps until ctx is done. A failed sweep is logged and retried at the
// next tick.
func (s *SagaTimeout) Run(ctx context.Context) error {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			s.Sweep(ctx)
		}
	}
}

// Sweep cancels expired orders batch by batch until none is left, in a
// span of its own: the cancelled orders' events start their traces there.
func (s *SagaTimeout) Sweep(ctx context.Context) {
	ctx, span := otel.Tracer(tracerName).Start(ctx, "saga timeout sweep")
	defer span.End()
	for ctx.Err() == nil {
		n, err := s.cancel.Handle(ctx, command.CancelExpired{Timeout: s.timeout, Limit: SweepBatch})
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case outage.Is(err):
			s.database.Failed(err)
			return
		case err != nil:
			s.log.ErrorContext(ctx, "saga timeout sweep failed", "err", err)
			return
		}
		s.database.Succeeded()
		if n > 0 {
			s.log.InfoContext(ctx, "pending orders timed out", "count", n)
		}
		if n < SweepBatch {
			return
		}
	}
}
