package ports

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/services/notification/internal/app/command"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// nopRepo finds nothing due and stores nothing.
type nopRepo struct{}

func (nopRepo) Due(context.Context, time.Time, int) ([]domain.Notification, error) { return nil, nil }
func (nopRepo) Add(context.Context, domain.Notification, string) (bool, error)     { return true, nil }
func (nopRepo) Claim(context.Context, domain.Notification, time.Time, time.Time) (bool, error) {
	return true, nil
}
func (nopRepo) MarkSent(context.Context, domain.Notification, event.Event) error { return nil }
func (nopRepo) SaveRetry(context.Context, domain.Notification) error             { return nil }

// roundRepo counts the queries for due notifications and the claims, and
// reports each notification marked sent.
type roundRepo struct {
	nopRepo
	dues, claims atomic.Int64
	sent         chan string
}

func (r *roundRepo) Due(context.Context, time.Time, int) ([]domain.Notification, error) {
	r.dues.Add(1)
	return nil, nil
}

func (r *roundRepo) Claim(context.Context, domain.Notification, time.Time, time.Time) (bool, error) {
	r.claims.Add(1)
	return true, nil
}

func (r *roundRepo) MarkSent(_ context.Context, n domain.Notification, _ event.Event) error {
	r.sent <- n.ID()
	return nil
}

// flakyChannel fails its first failures sends.
type flakyChannel struct{ failures atomic.Int64 }

func (*flakyChannel) Name() string { return "flaky" }

func (c *flakyChannel) Send(context.Context, command.Message) error {
	if c.failures.Add(-1) >= 0 {
		return errors.New("unavailable")
	}
	return nil
}

// TestFailedRoundIsRetriedWithoutASweep fails a first round: the worker
// claims the notification and runs its next round when it falls due,
// without another query for due notifications than its start sweep, which
// over FerretDB would read the whole collection.
func TestFailedRoundIsRetriedWithoutASweep(t *testing.T) {
	repo := &roundRepo{sent: make(chan string, 1)}
	ch := &flakyChannel{}
	ch.failures.Store(1)
	d := command.DeliverHandler{Repo: repo, Channel: ch,
		Policy: domain.RetryPolicy{MaxAttempts: 5, Backoff: time.Millisecond, RetryAfter: time.Hour}}
	w := NewWorker(d, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	now := time.Now()
	n, err := domain.New(domain.Final{OrderID: "0193a4d2-0000-7000-8000-000000000001", CustomerID: "alice", Kind: domain.KindConfirmed,
		TotalCents: 100, Currency: "EUR"}, now)
	if err != nil {
		t.Fatal(err)
	}
	_ = n.Postpone(now.Add(time.Minute)) // stored claimed for its first round, as Record does
	w.FirstRound(ctx, n)
	select {
	case id := <-repo.sent:
		if id != n.ID() {
			t.Errorf("sent %q, want %q", id, n.ID())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the failed round was not retried")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := repo.dues.Load(); got != 1 {
		t.Errorf("queries for due notifications = %d, want 1 (the start sweep)", got)
	}
	if got := repo.claims.Load(); got != 1 {
		t.Errorf("claims = %d, want 1 (the retry's)", got)
	}
}
