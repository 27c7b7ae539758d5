package ports

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/eventshop/eventshop/pkg/tracing"
	"github.com/eventshop/eventshop/services/notification/internal/app/command"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// roundsParallel bounds the rounds under way at once.
const roundsParallel = 8

// Worker runs delivery rounds: the first round of each notification this
// process recorded, as soon as it is queued; the next round of each round
// it ran that failed, when that falls due; and a sweep for due
// notifications at start and every interval, for rounds another process
// left (it stopped, or was killed, holding their claim). The sweep's query
// reads the notifications in flight, not the whole collection
// (command.Repository.Due), so its cost does not grow with the store and
// it keeps its interval.
type Worker struct {
	deliver  command.DeliverHandler
	interval time.Duration
	log      *slog.Logger
	wake     chan struct{}
	leading  func() bool // whether this replica sweeps; nil means always

	mu      sync.Mutex
	first   []firstRound
	retries []retryRound
}

// firstRound is a notification whose first round is queued, with the
// trace it was recorded in.
type firstRound struct {
	n           domain.Notification
	traceParent string
}

// retryRound is the next round of a notification, as stored after its
// failed round, and when it falls due.
type retryRound struct {
	n  domain.Notification
	at time.Time
}

// NewWorker returns a worker of d sweeping every interval (default 1s).
// It is told of the rounds it runs (d.Changed, which it still calls) so
// that it runs the next round of a failed one when that falls due.
func NewWorker(d command.DeliverHandler, interval time.Duration, log *slog.Logger) *Worker {
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
			w.retry(n, n.NextAttemptAt())
		}
	}
	w.deliver = d
	return w
}

// SweepOnlyWhile makes the worker sweep only while leading reports true:
// of several replicas, the one elected sweeps for all, and each still runs
// the rounds of the notifications it recorded. Call it before Run.
func (w *Worker) SweepOnlyWhile(leading func() bool) { w.leading = leading }

// FirstRound queues the first round of n, which command.RecordHandler stored
// claimed in ctx; the round continues ctx's trace. The queue is not
// bounded, so that the consumer calling it never blocks; rounds still
// queued at shutdown fall due when their claim ends.
func (w *Worker) FirstRound(ctx context.Context, n domain.Notification) {
	w.mu.Lock()
	w.first = append(w.first, firstRound{n: n, traceParent: tracing.TraceParent(ctx)})
	w.mu.Unlock()
	w.signal()
}

// retry queues the next round of n, as stored, for at.
func (w *Worker) retry(n domain.Notification, at time.Time) {
	w.mu.Lock()
	w.retries = append(w.retries, retryRound{n: n, at: at})
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
// its claim's expiry, and queued retries to the sweep of the next start.
func (w *Worker) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	sweepAt := time.Now() // a sweep at start
	for {
		if !time.Now().Before(sweepAt) {
			if w.leading == nil || w.leading() {
				w.sweep(ctx)
			}
			sweepAt = time.Now().Add(w.interval)
		}
		w.firstRounds(ctx)
		w.retryRounds(ctx, w.takeDue(time.Now()))
		timer.Reset(time.Until(w.nextWake(sweepAt)))
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-timer.C:
		}
	}
}

// takeDue removes the queued retries due at now and returns them.
func (w *Worker) takeDue(now time.Time) []domain.Notification {
	w.mu.Lock()
	defer w.mu.Unlock()
	var due []domain.Notification
	w.retries = slices.DeleteFunc(w.retries, func(r retryRound) bool {
		if r.at.After(now) {
			return false
		}
		due = append(due, r.n)
		return true
	})
	return due
}

// nextWake is the earlier of sweepAt and the first queued retry.
func (w *Worker) nextWake(sweepAt time.Time) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range w.retries {
		if r.at.Before(sweepAt) {
			sweepAt = r.at
		}
	}
	return sweepAt
}

// sweep delivers the due notifications, batch by batch.
func (w *Worker) sweep(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := w.deliver.Due(ctx)
		if err != nil {
			if ctx.Err() == nil {
				w.log.WarnContext(ctx, "deliver notifications", slog.Any("error", err))
			}
			return
		}
		if n == 0 {
			return
		}
	}
}

// firstRounds delivers the queued first rounds. A round that failed
// before its outcome was stored is tried again when its claim ends.
func (w *Worker) firstRounds(ctx context.Context) {
	w.mu.Lock()
	queued := w.first
	w.first = nil
	w.mu.Unlock()
	inParallel(queued, func(r firstRound) {
		rctx, span := startRound(tracing.Remote(ctx, r.traceParent), "deliver notification", r.n)
		defer span.End()
		if err := w.deliver.HandleClaimed(rctx, r.n); err != nil && ctx.Err() == nil {
			failRound(span, err)
			w.log.WarnContext(rctx, "deliver notification", slog.String("notification_id", r.n.ID()), slog.Any("error", err))
			w.retry(r.n, r.n.NextAttemptAt()) // Record stored it claimed until then
		}
	})
}

// retryRounds makes the next round of each notification, claiming it
// first: another process may have taken it meanwhile. A round that failed
// before its outcome was stored is tried again when its claim would end.
func (w *Worker) retryRounds(ctx context.Context, due []domain.Notification) {
	inParallel(due, func(n domain.Notification) {
		ctx, span := startRound(ctx, "retry notification", n)
		defer span.End()
		if err := w.deliver.Handle(ctx, n); err != nil && ctx.Err() == nil {
			failRound(span, err)
			w.log.WarnContext(ctx, "retry notification", slog.String("notification_id", n.ID()), slog.Any("error", err))
			w.retry(n, w.deliver.ClaimEnd(time.Now()))
		}
	})
}

// inParallel runs round for each item, at most roundsParallel at once, so
// that a slow channel (a webhook) does not hold up the others.
func inParallel[T any](items []T, round func(T)) {
	var g errgroup.Group
	g.SetLimit(roundsParallel)
	for _, it := range items {
		g.Go(func() error { round(it); return nil })
	}
	_ = g.Wait()
}
