package command_test

import (
	"context"
	"sync"
	"time"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/services/notification/internal/app/command"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// memRepo is an in-memory command.Repository.
type memRepo struct {
	mu       sync.Mutex
	byID     map[string]domain.Notification
	sent     []event.Event
	claimErr error
	lostRace bool // Claim reports another worker's claim
}

func newMemRepo() *memRepo { return &memRepo{byID: map[string]domain.Notification{}} }

func (r *memRepo) Add(_ context.Context, n domain.Notification, _ string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byID[n.ID()]; ok {
		return false, nil
	}
	r.byID[n.ID()] = n
	return true, nil
}

func (r *memRepo) Due(_ context.Context, now time.Time, limit int) ([]domain.Notification, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []domain.Notification
	for _, n := range r.byID {
		if n.Status() != domain.StatusSent && !n.NextAttemptAt().After(now) && len(out) < limit {
			out = append(out, n)
		}
	}
	return out, nil
}

func (r *memRepo) Claim(_ context.Context, n domain.Notification, _, until time.Time) (bool, error) {
	if r.claimErr != nil || r.lostRace {
		return false, r.claimErr
	}
	return true, nil
}

func (r *memRepo) MarkSent(_ context.Context, n domain.Notification, ev event.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byID[n.ID()] = n
	r.sent = append(r.sent, ev)
	return nil
}

func (r *memRepo) SaveRetry(_ context.Context, n domain.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byID[n.ID()] = n
	return nil
}

func (r *memRepo) get(id string) domain.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byID[id]
}

// fakeChannel answers every Send with err and records the messages.
type fakeChannel struct {
	err  error
	sent []command.Message
}

func (c *fakeChannel) Name() string { return "fake" }

func (c *fakeChannel) Send(_ context.Context, m command.Message) error {
	c.sent = append(c.sent, m)
	return c.err
}
