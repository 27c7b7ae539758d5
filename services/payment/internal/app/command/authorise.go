package command

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

// Authorise asks to authorise an order's total, from inventory.reserved.
type Authorise struct {
	OrderID     string
	AmountCents int64
	Currency    string
	CardToken   string
}

// AuthoriseDecision is what the provider answered, found outside any transaction.
type AuthoriseDecision struct {
	known  bool   // a payment existed already: the provider was not called
	authID string // set when authorised
	reason string // set when failed
}

// AuthoriseHandler authorises orders' totals with the provider. It is the
// decide-then-record variant of a command: Decide calls the provider with no
// transaction open, because the call may take seconds and must not hold row
// locks or a pool connection meanwhile; Record stores the answer and its
// event in the transaction the port opens for the event. The other handlers
// here (Capture, Cancel) are split the same way.
type AuthoriseHandler struct {
	Payments Payments
	Provider Provider
	Now      func() time.Time
}

// Decide calls the provider unless the order already has a payment. The
// idempotency key is the order id, so deciding twice never charges twice.
// An error means the event is to be handled again later (for example when
// ctx was cancelled); provider failures are decisions, not errors.
func (a AuthoriseHandler) Decide(ctx context.Context, cmd Authorise) (AuthoriseDecision, error) {
	_, err := a.Payments.Get(ctx, cmd.OrderID)
	switch {
	case err == nil:
		return AuthoriseDecision{known: true}, nil
	case !errors.Is(err, ErrNotFound):
		return AuthoriseDecision{}, fmt.Errorf("load payment: %w", err)
	}
	authID, err := a.Provider.Authorise(ctx, AuthoriseRequest{
		// The provider stores this key: keep its spelling, or a
		// redelivered event would authorise a second time.
		IdempotencyKey: "authorize:" + cmd.OrderID,
		AmountCents:    cmd.AmountCents,
		Currency:       cmd.Currency,
		CardToken:      cmd.CardToken,
	})
	if err == nil {
		return AuthoriseDecision{authID: authID}, nil
	}
	if reason := failureReason(err); reason != "" {
		return AuthoriseDecision{reason: reason}, nil
	}
	return AuthoriseDecision{}, fmt.Errorf("authorise: %w", err)
}

// failureReason maps a provider error to the reason of payment.failed, or ""
// when the error is not a final answer (a cancelled context).
func failureReason(err error) string {
	switch {
	case errors.Is(err, ErrDeclined), errors.Is(err, ErrProviderRejected):
		return domain.ReasonCardDeclined
	case errors.Is(err, ErrProviderTimeout):
		return domain.ReasonProviderTimeout
	case errors.Is(err, ErrProviderUnavailable):
		return domain.ReasonProviderUnavailable
	}
	return ""
}

// Record stores the decision with its event. It returns the id of an
// authorisation that must be voided after the transaction commits (with
// VoidOrphans): one made for an order that was cancelled while the provider
// was being called, which the tombstone now holds.
func (a AuthoriseHandler) Record(ctx context.Context, tx Tx, cmd Authorise, d AuthoriseDecision) (string, error) {
	existing, err := tx.GetForUpdate(ctx, cmd.OrderID)
	if errors.Is(err, ErrNotFound) {
		if d.known {
			return "", ErrChanged
		}
		err = a.insert(ctx, tx, cmd, d)
		if !errors.Is(err, ErrChanged) {
			return "", err
		}
		// A tombstone was committed since the lookup: handle it like one
		// found at first, so that d's authorisation is held and voided.
		existing, err = tx.GetForUpdate(ctx, cmd.OrderID)
	}
	if err != nil {
		return "", fmt.Errorf("load payment: %w", err)
	}
	return a.recordExisting(ctx, tx, existing, d)
}

// insert stores the new payment d decided with its event; ErrChanged when
// the order got a payment record meanwhile.
func (a AuthoriseHandler) insert(ctx context.Context, tx Tx, cmd Authorise, d AuthoriseDecision) error {
	p, err := a.decided(cmd, d)
	if err != nil {
		return err
	}
	if err := tx.Insert(ctx, p); err != nil {
		return err
	}
	if p.Status() == domain.StatusAuthorised {
		return emitAuthorised(ctx, tx, p)
	}
	return emitFailed(ctx, tx, p.OrderID(), p.Reason())
}

// recordExisting handles an order that has a payment record: a tombstone
// answers payment.failed (the order ignores it, being cancelled already)
// and holds any authorisation made meanwhile until it is voided; anything
// else means the event was handled before.
func (a AuthoriseHandler) recordExisting(ctx context.Context, tx Tx, existing domain.Payment, d AuthoriseDecision) (string, error) {
	if !errors.Is(existing.CanAuthorise(), domain.ErrCancelled) {
		return "", nil
	}
	if d.authID != "" {
		if err := existing.HoldOrphan(d.authID, a.Now()); err != nil {
			return "", err
		}
		if err := tx.Update(ctx, existing); err != nil {
			return "", fmt.Errorf("hold orphaned authorisation: %w", err)
		}
	}
	if err := emitFailed(ctx, tx, existing.OrderID(), domain.ReasonOrderCancelled); err != nil {
		return "", err
	}
	return d.authID, nil
}

func (a AuthoriseHandler) decided(cmd Authorise, d AuthoriseDecision) (domain.Payment, error) {
	var p domain.Payment
	var err error
	if d.authID != "" {
		p, err = domain.Authorised(cmd.OrderID, d.authID, cmd.AmountCents, cmd.Currency, a.Now())
	} else {
		p, err = domain.Failed(cmd.OrderID, cmd.AmountCents, cmd.Currency, d.reason, a.Now())
	}
	if err != nil {
		return p, fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	return p, nil
}
