package ports

import (
	"context"
	"log/slog"
	"slices"
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

// sweepShare bounds the time the worker spends sweeping: after a sweep
// whose query took d, the next one waiting for no known due time comes at
// least sweepShare×d later, so sweeps take at most 1/sweepShare of the
// time. On MongoDB the query uses an index and the interval rules; on
// FerretDB over SQLite it reads the whole collection, and the pause grows
// with the collection instead of the sweeps' cost.
const sweepShare = 100

// Worker runs delivery rounds: the first round of each notification this
// process recorded, as soon as it is queued; a sweep for due notifications
// when a round this process ran is due again (a retry, or a claim whose
// round failed); and a sweep at start and every Interval (at least; see
// sweepShare) for rounds another process left.
type Worker struct {
	deliver  command.Deliver
	interval time.Duration
	log      *slog.Logger
	wake     chan struct{}

	mu    sync.Mutex
	first []firstRound
	due   []time.Time // when rounds this process ran fall due again
}

// firstRound is a notification whose first round is queued, with the
// trace it was recorded in.
type firstRound struct {
	n           domain.Notification
	traceParent string
}

// NewWorker returns a worker of d sweeping every interval (default 1s).
// It is told of the rounds it runs (d.Changed, which it still calls) so
// that it wakes when a retried notification falls due.
func NewWorker(d command.Deliver, interval time.Duration, log *slog.Logger) *Worker {
	if interval <= 0 {
		interval = time.Second
	}
	w := &Worker{interval: interval, log: log, wake: make(chan struct{}, 1)}
	changed := d.Changed
	d.Changed = func(n domain.Notification, err error) {
		if changed != nil {
			changed(n, err)
		}
		if err != nil {
			w.dueAt(n.NextAttemptAt())
		}
	}
	w.deliver = d
	return w
}

// FirstRound queues the first round of n, which command.Record stored
// claimed in ctx; the round continues ctx's trace. The queue is not
// bounded, so that the consumer calling it never blocks; rounds still
// queued at shutdown fall due when their claim ends.
func (w *Worker) FirstRound(ctx context.Context, n domain.Notification) {
	w.mu.Lock()
	w.first = append(w.first, firstRound{n: n, traceParent: telemetry.TraceParent(ctx)})
	w.mu.Unlock()
	w.signal()
}

// dueAt asks for a sweep at t.
func (w *Worker) dueAt(t time.Time) {
	w.mu.Lock()
	w.due = append(w.due, t)
	w.mu.Unlock()
	w.signal()
}

func (w *Worker) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done; a round under way when it ends is left to
// its claim's expiry.
func (w *Worker) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	sweepAt := time.Now() // a sweep at start
	for {
		if now := time.Now(); w.takeDue(now) || !now.Before(sweepAt) {
			sweepAt = now.Add(w.sweep(ctx))
		}
		w.firstRounds(ctx)
		timer.Reset(time.Until(w.nextWake(sweepAt)))
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-timer.C:
		}
	}
}

// takeDue drops the due times up to now and reports whether there were any.
func (w *Worker) takeDue(now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(w.due)
	w.due = slices.DeleteFunc(w.due, func(t time.Time) bool { return !t.After(now) })
	return len(w.due) < n
}

// nextWake is the earlier of sweepAt and the first due time.
func (w *Worker) nextWake(sweepAt time.Time) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, t := range w.due {
		if t.Before(sweepAt) {
			sweepAt = t
		}
	}
	return sweepAt
}

// sweep delivers the due notifications, batch by batch, and returns how
// long until the next sweep for rounds other processes left.
func (w *Worker) sweep(ctx context.Context) time.Duration {
	for ctx.Err() == nil {
		start := time.Now()
		n, err := w.deliver.Due(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.WarnContext(ctx, "deliver notifications", slog.Any("error", err))
			// The rest of the batch is due still, and the round that failed
			// falls due when its claim ends.
			w.dueAt(w.deliver.ClaimEnd(time.Now()))
			return w.interval
		}
		if n == 0 {
			return max(w.interval, sweepShare*time.Since(start))
		}
	}
	return w.interval
}

// firstRounds delivers the queued first rounds. A round that failed
// before its outcome was stored falls due when its claim ends.
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
				w.dueAt(r.n.NextAttemptAt()) // Record stored it claimed until then
			}
			return nil
		})
	}
	_ = g.Wait()
}
