package simulator

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"sync"
	"time"
)

// outcome is what the provider answered to an idempotency key the first time,
// so that a repeated request gets the same answer and never charges twice.
type outcome struct {
	req      AuthorizeRequest
	id       string // empty when declined
	declined bool
}

// ledger holds every authorization in memory behind one mutex, and records
// each change in its journal, when it has one, before the change is made
// or answered.
type ledger struct {
	mu      sync.Mutex
	byID    map[string]*Authorization
	byKey   map[string]outcome
	journal *journal // nil keeps the state in memory only
}

// newLedger returns a ledger holding the replayed entries.
func newLedger(j *journal, entries []entry) *ledger {
	l := &ledger{byID: map[string]*Authorization{}, byKey: map[string]outcome{}, journal: j}
	for _, e := range entries {
		l.apply(e)
	}
	return l
}

// record journals e, then applies it. On a journal error nothing changes.
func (l *ledger) record(e entry) error {
	if l.journal != nil {
		if err := l.journal.append(e); err != nil {
			return err
		}
	}
	l.apply(e)
	return nil
}

// apply changes the state as e says.
func (l *ledger) apply(e entry) {
	if e.Authorization != nil {
		a := *e.Authorization
		l.byID[a.ID] = &a
	}
	if e.Request != nil {
		o := outcome{req: *e.Request, declined: e.Declined}
		if e.Authorization != nil {
			o.id = e.Authorization.ID
		}
		l.byKey[e.Request.IdempotencyKey] = o
	}
}

// authorize records the outcome of req, or returns the outcome recorded for
// its idempotency key. replay is true when the key was seen before.
func (l *ledger) authorize(req AuthorizeRequest) (a Authorization, declined, replay bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if prev, ok := l.byKey[req.IdempotencyKey]; ok {
		if prev.req != req {
			return Authorization{}, false, true, ErrIdempotencyMismatch
		}
		if prev.declined {
			return Authorization{}, true, true, nil
		}
		return *l.byID[prev.id], false, true, nil
	}
	if req.CardToken == TokenDecline {
		if err := l.record(entry{Request: &req, Declined: true}); err != nil {
			return Authorization{}, false, false, err
		}
		return Authorization{}, true, false, nil
	}
	now := time.Now().UTC()
	auth := Authorization{
		ID:             newID(),
		Status:         StatusAuthorized,
		IdempotencyKey: req.IdempotencyKey,
		AmountCents:    req.AmountCents,
		Currency:       req.Currency,
		CreatedAt:      now,
		UpdatedAt:      now,
	}
	if err := l.record(entry{Request: &req, Authorization: &auth}); err != nil {
		return Authorization{}, false, false, err
	}
	return auth, false, false, nil
}

// capture moves an authorization to captured. Capturing a captured
// authorization again changes nothing; amount 0 means the authorized amount.
func (l *ledger) capture(id string, amount int64) (Authorization, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	auth, ok := l.byID[id]
	if !ok {
		return Authorization{}, ErrNotFound
	}
	if amount == 0 {
		amount = auth.AmountCents
	}
	switch {
	case auth.Status == StatusVoided:
		return *auth, ErrConflict
	case amount < 0 || amount > auth.AmountCents:
		return *auth, ErrAmount
	case auth.Status == StatusCaptured:
		return *auth, nil
	}
	next := *auth
	next.Status = StatusCaptured
	next.CapturedAmountCents = amount
	next.Captures++
	next.UpdatedAt = time.Now().UTC()
	if err := l.record(entry{Authorization: &next}); err != nil {
		return Authorization{}, err
	}
	return next, nil
}

// void moves an authorization to voided. Voiding twice changes nothing;
// voiding a captured authorization is a conflict.
func (l *ledger) void(id string) (Authorization, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	auth, ok := l.byID[id]
	if !ok {
		return Authorization{}, ErrNotFound
	}
	switch auth.Status {
	case StatusCaptured:
		return *auth, ErrConflict
	case StatusVoided:
		return *auth, nil
	}
	next := *auth
	next.Status = StatusVoided
	next.UpdatedAt = time.Now().UTC()
	if err := l.record(entry{Authorization: &next}); err != nil {
		return Authorization{}, err
	}
	return next, nil
}

// get returns one authorization.
func (l *ledger) get(id string) (Authorization, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	auth, ok := l.byID[id]
	if !ok {
		return Authorization{}, ErrNotFound
	}
	return *auth, nil
}

// list returns every authorization, oldest first.
func (l *ledger) list() []Authorization {
	l.mu.Lock()
	out := make([]Authorization, 0, len(l.byID))
	for _, a := range l.byID {
		out = append(out, *a)
	}
	l.mu.Unlock()
	slices.SortFunc(out, func(a, b Authorization) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return "auth_" + hex.EncodeToString(b)
}
