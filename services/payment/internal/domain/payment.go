// Package domain holds the payment of one order and the rules for how it
// changes. It does no I/O.
package domain

import (
	"errors"
	"fmt"
	"time"
)

// Status is where a payment stands.
type Status string

// A payment starts Authorised or Failed; an authorised one ends Captured or
// Voided. Cancelled is a tombstone: the order was cancelled before any
// authorisation, so a later request to authorise must be refused.
const (
	StatusAuthorised Status = "AUTHORISED"
	StatusFailed     Status = "FAILED"
	StatusCaptured   Status = "CAPTURED"
	StatusVoided     Status = "VOIDED"
	StatusCancelled  Status = "CANCELLED"
)

// Failure reasons carried by payment.failed events.
const (
	ReasonCardDeclined        = "card_declined"
	ReasonProviderTimeout     = "provider_timeout"
	ReasonProviderUnavailable = "provider_unavailable"
	ReasonOrderCancelled      = "order_cancelled"
)

var (
	// ErrInvalid means a payment's fields break a rule, such as a negative amount.
	ErrInvalid = errors.New("invalid payment")
	// ErrNotAuthorised means the payment is not AUTHORISED, so it cannot be
	// captured or voided.
	ErrNotAuthorised = errors.New("payment is not authorised")
	// ErrAlreadyCaptured means the payment was captured before; capturing
	// again must have no effect.
	ErrAlreadyCaptured = errors.New("payment already captured")
	// ErrAlreadyVoided means the payment was voided before.
	ErrAlreadyVoided = errors.New("payment already voided")
	// ErrCancelled means the order was cancelled before it was paid for.
	ErrCancelled = errors.New("order cancelled before payment")
	// ErrNotCancelled means an operation meant for a tombstone holding an
	// orphaned authorisation met another payment.
	ErrNotCancelled = errors.New("payment is no tombstone with a pending void")
	// ErrExists means the order's payment was decided before; deciding
	// again must have no effect.
	ErrExists = errors.New("payment already exists")
)

// Payment is the payment of one order. The order id is its identity: an
// order has at most one payment.
type Payment struct {
	orderID  string
	authID   string
	amount   int64
	currency string
	status   Status
	reason   string
	// voidPending marks a tombstone holding an authorisation made while the
	// order was being cancelled, not yet voided at the provider.
	voidPending bool
	createdAt   time.Time
	updatedAt   time.Time
}

// Snapshot is a payment's full state, for storage adapters.
type Snapshot struct {
	OrderID     string
	AuthID      string
	AmountCents int64
	Currency    string
	Status      Status
	Reason      string
	VoidPending bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Authorised returns the payment of an order whose amount the provider
// authorised under authID.
func Authorised(orderID, authID string, amount int64, currency string, now time.Time) (Payment, error) {
	if authID == "" {
		return Payment{}, fmt.Errorf("%w: authorisation id is required", ErrInvalid)
	}
	return build(orderID, authID, amount, currency, StatusAuthorised, "", now)
}

// Failed returns the payment of an order that could not be authorised.
func Failed(orderID string, amount int64, currency, reason string, now time.Time) (Payment, error) {
	if reason == "" {
		return Payment{}, fmt.Errorf("%w: failure reason is required", ErrInvalid)
	}
	return build(orderID, "", amount, currency, StatusFailed, reason, now)
}

// Tombstone returns the marker of an order cancelled before its payment was
// requested.
func Tombstone(orderID string, now time.Time) (Payment, error) {
	return build(orderID, "", 0, "", StatusCancelled, ReasonOrderCancelled, now)
}

func build(orderID, authID string, amount int64, currency string, st Status, reason string, now time.Time) (Payment, error) {
	switch {
	case orderID == "":
		return Payment{}, fmt.Errorf("%w: order id is required", ErrInvalid)
	case amount < 0:
		return Payment{}, fmt.Errorf("%w: amount must not be negative", ErrInvalid)
	case st == StatusAuthorised && amount == 0:
		return Payment{}, fmt.Errorf("%w: an authorised amount must be positive", ErrInvalid)
	case st != StatusCancelled && len(currency) != 3:
		return Payment{}, fmt.Errorf("%w: a three-letter currency is required", ErrInvalid)
	}
	now = now.UTC()
	return Payment{orderID: orderID, authID: authID, amount: amount, currency: currency,
		status: st, reason: reason, createdAt: now, updatedAt: now}, nil
}

// FromSnapshot rebuilds a stored payment. It trusts the store, which only
// ever held payments built by this package.
func FromSnapshot(s Snapshot) Payment {
	return Payment{orderID: s.OrderID, authID: s.AuthID, amount: s.AmountCents, currency: s.Currency,
		status: s.Status, reason: s.Reason, voidPending: s.VoidPending, createdAt: s.CreatedAt, updatedAt: s.UpdatedAt}
}

// Snapshot returns the payment's state.
func (p Payment) Snapshot() Snapshot {
	return Snapshot{OrderID: p.orderID, AuthID: p.authID, AmountCents: p.amount, Currency: p.currency,
		Status: p.status, Reason: p.reason, VoidPending: p.voidPending, CreatedAt: p.createdAt, UpdatedAt: p.updatedAt}
}

// OrderID is the order the payment belongs to.
func (p Payment) OrderID() string { return p.orderID }

// AuthID is the provider's authorisation id; empty unless authorised once.
func (p Payment) AuthID() string { return p.authID }

// Amount is the authorised amount in cents.
func (p Payment) Amount() int64 { return p.amount }

// Currency is the ISO 4217 code of the amount.
func (p Payment) Currency() string { return p.currency }

// Status is where the payment stands.
func (p Payment) Status() Status { return p.status }

// Reason says why a payment failed; empty otherwise.
func (p Payment) Reason() string { return p.reason }

// VoidPending reports whether the payment holds an authorisation that must
// still be voided at the provider.
func (p Payment) VoidPending() bool { return p.voidPending }
