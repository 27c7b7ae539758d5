package command

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

// Cancel says an order was cancelled, from order.cancelled.
type Cancel struct {
	OrderID string
}

// CancelDecision says whether the provider voided the authorisation.
type CancelDecision struct {
	voided bool
}

// CancelHandler voids the authorisations of cancelled orders and leaves a
// tombstone for orders cancelled before their payment was requested.
type CancelHandler struct {
	Payments Payments
	Provider Provider
	Now      func() time.Time
}

// Decide voids the authorisation at the provider when the payment is
// AUTHORISED; voiding is idempotent at the provider.
func (c CancelHandler) Decide(ctx context.Context, cmd Cancel) (CancelDecision, error) {
	p, err := c.Payments.Get(ctx, cmd.OrderID)
	switch {
	case errors.Is(err, ErrNotFound):
		return CancelDecision{}, nil // Record leaves a tombstone
	case err != nil:
		return CancelDecision{}, fmt.Errorf("load payment: %w", err)
	case p.CanVoid() != nil:
		return CancelDecision{}, nil // failed, voided, captured or a tombstone already
	}
	if err := c.Provider.Void(ctx, p.AuthID()); err != nil {
		if errors.Is(err, ErrProviderConflict) {
			return CancelDecision{}, fmt.Errorf("%w: void: %w", ErrInconsistent, err)
		}
		return CancelDecision{}, fmt.Errorf("void: %w", err)
	}
	return CancelDecision{voided: true}, nil
}

// Record stores the outcome: VOIDED with payment.voided for an authorised
// payment, a tombstone when there is no payment, nothing otherwise.
func (c CancelHandler) Record(ctx context.Context, tx Tx, cmd Cancel, d CancelDecision) error {
	p, err := tx.GetForUpdate(ctx, cmd.OrderID)
	switch {
	case errors.Is(err, ErrNotFound):
		return c.tombstone(ctx, tx, cmd.OrderID)
	case err != nil:
		return fmt.Errorf("load payment: %w", err)
	}
	switch err := p.CanVoid(); {
	case err != nil:
		return nil // nothing held: failed, voided, a tombstone; captured is reported by Decide
	case !d.voided:
		return ErrChanged // authorised after Decide looked: void it on the next delivery
	}
	if err := p.Void(c.Now()); err != nil {
		return err
	}
	if err := tx.Update(ctx, p); err != nil {
		return fmt.Errorf("update payment: %w", err)
	}
	return emitVoided(ctx, tx, p)
}

func (c CancelHandler) tombstone(ctx context.Context, tx Tx, orderID string) error {
	p, err := domain.Tombstone(orderID, c.Now())
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	if err := tx.Insert(ctx, p); err != nil {
		return fmt.Errorf("insert tombstone: %w", err)
	}
	return nil
}
