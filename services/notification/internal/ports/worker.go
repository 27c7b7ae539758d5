package ports

import (
	"context"
	"log/slog"
	"time"

	"github.com/eventshop/eventshop/services/notification/internal/app/command"
)

// Worker runs delivery rounds: at every Interval and whenever woken.
type Worker struct {
	deliver  command.Deliver
	interval time.Duration
	log      *slog.Logger
	wake     chan struct{}
}

// NewWorker returns a worker of d polling every interval (default 1s).
func NewWorker(d command.Deliver, interval time.Duration, log *slog.Logger) *Worker {
	if interval <= 0 {
		interval = time.Second
	}
	return &Worker{deliver: d, interval: interval, log: log, wake: make(chan struct{}, 1)}
}

// Notify wakes the worker, after a notification was recorded.
func (w *Worker) Notify() {
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
	for {
		for ctx.Err() == nil {
			n, err := w.deliver.Due(ctx)
			if err != nil && ctx.Err() == nil {
				w.log.WarnContext(ctx, "deliver notifications", slog.Any("error", err))
			}
			if err != nil || n == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-t.C:
		}
	}
}
