package ports

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/services/notification/internal/app/command"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// costlyRepo finds nothing due, and its query for due notifications takes
// cost, as one over a whole FerretDB collection does.
type costlyRepo struct{ cost time.Duration }

func (r costlyRepo) Due(context.Context, time.Time, int) ([]domain.Notification, error) {
	time.Sleep(r.cost) // the query's cost, not a wait for another goroutine
	return nil, nil
}

func (costlyRepo) Add(context.Context, domain.Notification, string) (bool, error) { return true, nil }
func (costlyRepo) Claim(context.Context, domain.Notification, time.Time, time.Time) (bool, error) {
	return true, nil
}
func (costlyRepo) MarkSent(context.Context, domain.Notification, event.Event) error { return nil }
func (costlyRepo) SaveRetry(context.Context, domain.Notification) error             { return nil }

// TestSweepPauseGrowsWithTheQuerysCost: a sweep whose query takes 20 ms
// puts the next one at least 2 s away, although the interval is 10 ms.
func TestSweepPauseGrowsWithTheQuerysCost(t *testing.T) {
	cost := 20 * time.Millisecond
	w := NewWorker(command.Deliver{Repo: costlyRepo{cost: cost}}, 10*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if got, want := w.sweep(t.Context()), sweepShare*cost; got < want {
		t.Errorf("pause after the sweep = %v, want at least %v", got, want)
	}
}

// TestSweepPauseIsTheIntervalWhenTheQueryIsCheap: an index-backed query
// leaves the configured interval as it is.
func TestSweepPauseIsTheIntervalWhenTheQueryIsCheap(t *testing.T) {
	w := NewWorker(command.Deliver{Repo: costlyRepo{}}, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if got := w.sweep(t.Context()); got != time.Hour {
		t.Errorf("pause after the sweep = %v, want the interval, 1h", got)
	}
}
