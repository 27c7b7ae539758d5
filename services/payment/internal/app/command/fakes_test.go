package command_test

import (
	"context"
	"sync"
	"time"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

var clock = func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }

// store is an in-memory command.Payments and command.Tx: the use cases' contract
// with storage, without a database, so that the interleavings of Decide and
// Record can be set up exactly.
type store struct {
	mu       sync.Mutex
	payments map[string]domain.Payment
	events   []event.Event
	// beforeInsert, when set, runs once before the next Insert, as another
	// transaction committing in between would.
	beforeInsert func()
}

func newStore(ps ...domain.Payment) *store {
	s := &store{payments: map[string]domain.Payment{}}
	for _, p := range ps {
		s.payments[p.OrderID()] = p
	}
	return s
}

func (s *store) Get(_ context.Context, orderID string) (domain.Payment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[orderID]
	if !ok {
		return domain.Payment{}, command.ErrNotFound
	}
	return p, nil
}

func (s *store) PendingVoids(context.Context, int) ([]domain.Payment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []domain.Payment{}
	for _, p := range s.payments {
		if p.VoidPending() {
			out = append(out, p)
		}
	}
	return out, nil
}

// InTx runs fn on the store itself; the fake has no rollback.
func (s *store) InTx(ctx context.Context, fn func(ctx context.Context, tx command.Tx) error) error {
	return fn(ctx, s)
}

func (s *store) GetForUpdate(ctx context.Context, orderID string) (domain.Payment, error) {
	return s.Get(ctx, orderID)
}

func (s *store) Insert(_ context.Context, p domain.Payment) error {
	if f := s.beforeInsert; f != nil {
		s.beforeInsert = nil
		f()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.payments[p.OrderID()]; ok {
		return command.ErrChanged
	}
	s.payments[p.OrderID()] = p
	return nil
}

func (s *store) Update(_ context.Context, p domain.Payment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.payments[p.OrderID()] = p
	return nil
}

func (s *store) Emit(_ context.Context, evs ...event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, evs...)
	return nil
}

func (s *store) types() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for _, ev := range s.events {
		out = append(out, ev.Type)
	}
	return out
}

func (s *store) status(orderID string) domain.Status {
	p, err := s.Get(context.Background(), orderID)
	if err != nil {
		return ""
	}
	return p.Status()
}

// provider is a scripted command.Provider that counts its calls.
type provider struct {
	mu        sync.Mutex
	authErr   error
	opErr     error
	authorise int
	captures  int
	voids     int
}

func (p *provider) Authorise(context.Context, command.AuthoriseRequest) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.authorise++
	if p.authErr != nil {
		return "", p.authErr
	}
	return "auth_1", nil
}

func (p *provider) Capture(context.Context, string, int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.captures++
	return p.opErr
}

func (p *provider) Void(context.Context, string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.voids++
	return p.opErr
}
