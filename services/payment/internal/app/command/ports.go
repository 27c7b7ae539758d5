// Package command holds the payment service's commands, in the
// decide-then-record variant of the service shape (see internal/service's
// package doc): each saga step is split in two. Decide talks to the provider
// outside any database transaction, and Record stores the outcome and its
// event inside the caller's transaction, so that no transaction stays open
// during a slow provider call.
package command

import (
	"context"
	"errors"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

// Source is the ce-source of every event the service emits.
const Source = "payment"

var (
	// ErrNotFound means no payment exists for the order.
	ErrNotFound = errors.New("payment not found")
	// ErrDeclined means the provider declined the card.
	ErrDeclined = errors.New("card declined")
	// ErrProviderTimeout means the provider did not answer in time, after retries.
	ErrProviderTimeout = errors.New("payment provider timed out")
	// ErrProviderUnavailable means the provider failed or its breaker is open.
	ErrProviderUnavailable = errors.New("payment provider unavailable")
	// ErrProviderConflict means the provider refused an operation because of
	// the authorisation's state, such as capturing a voided one.
	ErrProviderConflict = errors.New("payment provider state conflict")
	// ErrProviderRejected means the provider refused the request as invalid,
	// such as an unknown card token.
	ErrProviderRejected = errors.New("payment provider rejected the request")
	// ErrInconsistent means stored state contradicts the event being handled,
	// such as a confirmed order whose payment was never authorised. Retrying
	// cannot help.
	ErrInconsistent = errors.New("payment state inconsistent with event")
	// ErrChanged means the payment changed between Decide and Record; the
	// event is to be handled again.
	ErrChanged = errors.New("payment changed while handling event")
)

// AuthoriseRequest asks the provider to hold an amount on a card.
// IdempotencyKey makes a repeated request return the first authorisation.
type AuthoriseRequest struct {
	IdempotencyKey string
	AmountCents    int64
	Currency       string
	CardToken      string
}

// Provider is the payment provider. Every method is safe to repeat.
type Provider interface {
	// Authorise returns the provider's authorisation id, or ErrDeclined,
	// ErrProviderTimeout, ErrProviderUnavailable or ErrProviderRejected.
	Authorise(ctx context.Context, req AuthoriseRequest) (string, error)
	// Capture captures amountCents of an authorisation (0 = all of it).
	Capture(ctx context.Context, authID string, amountCents int64) error
	// Void releases an authorisation.
	Void(ctx context.Context, authID string) error
}

// Payments reads payments outside any transaction.
type Payments interface {
	Get(ctx context.Context, orderID string) (domain.Payment, error)
	// PendingVoids returns up to limit tombstones holding an authorisation
	// still to be voided.
	PendingVoids(ctx context.Context, limit int) ([]domain.Payment, error)
}

// Transactions runs fn in one transaction, committed when fn returns nil.
type Transactions interface {
	InTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
}

// Tx is the storage of one transaction: payments and the outbox commit together.
type Tx interface {
	// GetForUpdate returns the order's payment, locked until the
	// transaction ends, or ErrNotFound.
	GetForUpdate(ctx context.Context, orderID string) (domain.Payment, error)
	// Insert stores a new payment; ErrChanged if one appeared meanwhile.
	Insert(ctx context.Context, p domain.Payment) error
	// Update stores a changed payment.
	Update(ctx context.Context, p domain.Payment) error
	// Emit adds events to the outbox.
	Emit(ctx context.Context, evs ...event.Event) error
}
