package ports

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/eventshop/eventshop/pkg/telemetry"
	"github.com/eventshop/eventshop/services/notification/internal/app/command"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// roundsParallel bounds the first rounds under way at once, so that a slow
// channel (a webhook) does not hold up the others.
const roundsParallel = 8

// Worker runs delivery rounds: the first round of each notification this
// process recorded, as soon as it is queued, and a sweep for due
// notifications (retries, and rounds another process left) at start and
// every Interval.
type Worker struct {
	deliver  command.Deliver
	interval time.Duration
	log      *slog.Logger
	wake     chan struct{}

	mu    sync.Mutex
	first []firstRound
}

// firstRound is a notification whose first round is queued, with the
// trace it was recorded in.
type firstRound struct {
	n           domain.Notification
	traceParent string
}

// NewWorker returns a worker of d sweeping every interval (default 1s).
func NewWorker(d command.Deliver, interval time.Duration, log *slog.Logger) *Worker {
	if interval <= 0 {
		interval = time.Second
	}
	return &Worker{deliver: d, interval: interval, log: log, wake: make(chan struct{}, 1)}
}

// FirstRound queues the first round of n, which command.Record stored
// claimed in ctx; the round continues ctx's trace. The queue is not
// bounded, so that the consumer calling it never blocks; rounds still
// queued at shutdown fall due when their claim ends.
func (w *Worker) FirstRound(ctx context.Context, n domain.Notification) {
	w.mu.Lock()
	w.first = append(w.first, firstRound{n: n, traceParent: telemetry.TraceParent(ctx)})
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done; a round under way when it ends is left to
// its claim's expiry.
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	sweep := true
	for {
		if sweep {
			w.sweep(ctx)
		}
		w.firstRounds(ctx)
		sweep = false
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-t.C:
			sweep = true
		}
	}
}

// sweep delivers the due notifications, batch by batch.
func (w *Worker) sweep(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := w.deliver.Due(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.WarnContext(ctx, "deliver notifications", slog.Any("error", err))
		}
		if err != nil || n == 0 {
			return
		}
	}
}

// firstRounds delivers the queued first rounds.
func (w *Worker) firstRounds(ctx context.Context) {
	w.mu.Lock()
	queued := w.first
	w.first = nil
	w.mu.Unlock()
	var g errgroup.Group
	g.SetLimit(roundsParallel)
	for _, r := range queued {
		g.Go(func() error {
			rctx := telemetry.Start(ctx, r.traceParent)
			if err := w.deliver.HandleClaimed(rctx, r.n); err != nil && ctx.Err() == nil {
				w.log.WarnContext(rctx, "deliver notification", slog.String("notification_id", r.n.ID()), slog.Any("error", err))
			}
			return nil
		})
	}
	_ = g.Wait()
}
