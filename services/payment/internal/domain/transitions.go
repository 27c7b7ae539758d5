package domain

import "time"

// CanCapture reports whether the payment may be captured now. It returns
// ErrAlreadyCaptured for a captured payment, so that a repeated capture is
// recognised and has no second effect, and ErrNotAuthorised otherwise.
func (p Payment) CanCapture() error {
	switch p.status {
	case StatusAuthorised:
		return nil
	case StatusCaptured:
		return ErrAlreadyCaptured
	}
	return ErrNotAuthorised
}

// Capture records that the provider captured the authorised amount.
func (p *Payment) Capture(now time.Time) error {
	if err := p.CanCapture(); err != nil {
		return err
	}
	p.status, p.updatedAt = StatusCaptured, now.UTC()
	return nil
}

// CanVoid reports whether the authorisation may be voided now. It returns
// ErrAlreadyVoided for a voided payment and ErrNotAuthorised otherwise.
func (p Payment) CanVoid() error {
	switch p.status {
	case StatusAuthorised:
		return nil
	case StatusVoided:
		return ErrAlreadyVoided
	}
	return ErrNotAuthorised
}

// Void records that the provider voided the authorisation.
func (p *Payment) Void(now time.Time) error {
	if err := p.CanVoid(); err != nil {
		return err
	}
	p.status, p.updatedAt = StatusVoided, now.UTC()
	return nil
}

// CanAuthorise reports whether an order with this record may still be
// authorised: never, since any record means the order was handled before or
// cancelled. ErrCancelled marks the tombstone case.
func (p Payment) CanAuthorise() error {
	if p.status == StatusCancelled {
		return ErrCancelled
	}
	return ErrExists
}

// HoldOrphan records on a tombstone the authorisation that was made while
// its order was being cancelled, so that it is voided even if the service
// stops before the void. Only a tombstone can hold one.
func (p *Payment) HoldOrphan(authID string, now time.Time) error {
	if p.status != StatusCancelled || authID == "" {
		return ErrNotCancelled
	}
	p.authID, p.voidPending, p.updatedAt = authID, true, now.UTC()
	return nil
}

// OrphanVoided records that the held authorisation was voided.
func (p *Payment) OrphanVoided(now time.Time) error {
	if !p.voidPending {
		return ErrNotCancelled
	}
	p.voidPending, p.updatedAt = false, now.UTC()
	return nil
}
