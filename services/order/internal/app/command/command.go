// Package command holds the order service's use cases that change state, one
// file per use case, each with a Handle method. It declares the interfaces it
// needs; adapters implement them.
package command

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// Errors of the command use cases.
var (
	// ErrIdempotencyKeyUsed is returned by OrderRepository.Add when the
	// customer already used the idempotency key for another order.
	ErrIdempotencyKeyUsed = errors.New("idempotency key already used")
	// ErrIdempotencyMismatch is returned when an idempotency key is reused
	// with a different request.
	ErrIdempotencyMismatch = errors.New("idempotency key reused with a different request")
	// ErrInventoryUnavailable is returned when prices cannot be read now.
	ErrInventoryUnavailable = errors.New("inventory unavailable")
)

// Idempotency is a customer's idempotency key with the hash of the request
// that first used it.
type Idempotency struct {
	Key         string
	RequestHash string
}

// OrderRepository stores orders. Every status change it stores also stores
// the change's event in the same transaction, so no use case can forget to
// emit one and no event is emitted for a change that was rolled back.
type OrderRepository interface {
	// Add stores a new order with its order.placed event and, when idem is
	// not nil, the customer's idempotency key; a key already used is
	// ErrIdempotencyKeyUsed and nothing is stored.
	Add(ctx context.Context, o *domain.Order, idem *Idempotency) error
	// FindByIdempotencyKey returns the order placed with the customer's key
	// and the stored request hash, or domain.ErrNotFound.
	FindByIdempotencyKey(ctx context.Context, customerID, key string) (*domain.Order, string, error)
	// Update loads the order, applies fn and stores the result atomically;
	// an error from fn stores nothing. Unknown ids are domain.ErrNotFound.
	Update(ctx context.Context, id uuid.UUID, fn func(*domain.Order) error) error
	// UpdateExpired applies fn to at most limit PENDING orders created before
	// before, skipping orders another replica holds, and returns how many
	// it stored.
	UpdateExpired(ctx context.Context, before time.Time, limit int, fn func(*domain.Order) error) (int, error)
	// DeleteIdempotencyKeys deletes at most limit idempotency keys first
	// used before before and returns how many it deleted.
	DeleteIdempotencyKeys(ctx context.Context, before time.Time, limit int) (int, error)
}

// Metrics records the outcomes of the saga.
type Metrics interface {
	OrderPlaced()
	OrderFinished(status domain.Status, reason string, saga time.Duration)
}

// NopMetrics records nothing; tests use it.
type NopMetrics struct{}

// OrderPlaced does nothing.
func (NopMetrics) OrderPlaced() {}

// OrderFinished does nothing.
func (NopMetrics) OrderFinished(domain.Status, string, time.Duration) {}

// finish applies a saga transition to the order id and records its outcome.
func finish(ctx context.Context, repo OrderRepository, m Metrics, id uuid.UUID, apply func(*domain.Order) error) (*domain.Order, error) {
	var done *domain.Order
	err := repo.Update(ctx, id, func(o *domain.Order) error {
		if err := apply(o); err != nil {
			return err
		}
		done = o
		return nil
	})
	if err != nil {
		return nil, err
	}
	m.OrderFinished(done.Status(), done.Reason(), done.UpdatedAt().Sub(done.CreatedAt()))
	return done, nil
}
