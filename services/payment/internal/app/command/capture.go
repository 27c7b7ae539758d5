package command

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

// Capture asks to capture a confirmed order's payment, from order.confirmed.
type Capture struct {
	OrderID     string
	AmountCents int64 // the order's total, which must be the authorised amount
}

// CaptureDecision says whether the provider captured the authorisation.
type CaptureDecision struct {
	captured bool
}

// CaptureHandler captures the payments of confirmed orders.
type CaptureHandler struct {
	Payments Payments
	Provider Provider
	Now      func() time.Time
}

// Decide captures the authorisation at the provider when the payment is
// AUTHORISED. The provider captures an authorisation at most once, so a
// repeated Decide never captures twice.
func (c CaptureHandler) Decide(ctx context.Context, cmd Capture) (CaptureDecision, error) {
	p, err := c.Payments.Get(ctx, cmd.OrderID)
	if err != nil {
		return CaptureDecision{}, fmt.Errorf("load payment: %w", err)
	}
	if p.CanCapture() != nil {
		return CaptureDecision{}, nil // captured already, or Record reports the inconsistency
	}
	if cmd.AmountCents != p.Amount() {
		return CaptureDecision{}, fmt.Errorf("%w: order total %d, authorised %d",
			ErrInconsistent, cmd.AmountCents, p.Amount())
	}
	if err := c.Provider.Capture(ctx, p.AuthID(), p.Amount()); err != nil {
		if errors.Is(err, ErrProviderConflict) {
			return CaptureDecision{}, fmt.Errorf("%w: capture: %w", ErrInconsistent, err)
		}
		return CaptureDecision{}, fmt.Errorf("capture: %w", err)
	}
	return CaptureDecision{captured: true}, nil
}

// Record stores the capture with payment.captured. A payment captured
// before is left alone, so a redelivered or repeated confirmation emits
// nothing twice.
func (c CaptureHandler) Record(ctx context.Context, tx Tx, cmd Capture, d CaptureDecision) error {
	p, err := tx.GetForUpdate(ctx, cmd.OrderID)
	if err != nil {
		return fmt.Errorf("load payment: %w", err)
	}
	switch err := p.CanCapture(); {
	case errors.Is(err, domain.ErrAlreadyCaptured):
		return nil
	case err != nil:
		return fmt.Errorf("%w: capture %s payment", ErrInconsistent, p.Status())
	case !d.captured:
		return ErrChanged
	}
	if err := p.Capture(c.Now()); err != nil {
		return err
	}
	if err := tx.Update(ctx, p); err != nil {
		return fmt.Errorf("update payment: %w", err)
	}
	return emitCaptured(ctx, tx, p)
}
