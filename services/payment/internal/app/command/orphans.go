package command

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// VoidOrphansHandler voids authorisations held by tombstones: made for orders that
// were cancelled while the provider was authorising them. Run after the
// authorising transaction commits, and now and then for those whose void
// failed or was interrupted.
type VoidOrphansHandler struct {
	Payments     Payments
	Transactions Transactions
	Provider     Provider
	Now          func() time.Time
}

// Handle voids up to limit held authorisations and returns how many it voided.
func (v VoidOrphansHandler) Handle(ctx context.Context, limit int) (int, error) {
	ps, err := v.Payments.PendingVoids(ctx, limit)
	if err != nil {
		return 0, fmt.Errorf("list pending voids: %w", err)
	}
	voided, errs := 0, []error{}
	for _, p := range ps {
		if err := v.One(ctx, p.OrderID(), p.AuthID()); err != nil {
			errs = append(errs, err)
			continue
		}
		voided++
	}
	return voided, errors.Join(errs...)
}

// One voids authID at the provider and clears the tombstone's pending void.
func (v VoidOrphansHandler) One(ctx context.Context, orderID, authID string) error {
	if err := v.Provider.Void(ctx, authID); err != nil {
		return fmt.Errorf("void orphaned authorisation %s: %w", authID, err)
	}
	return v.Transactions.InTx(ctx, func(ctx context.Context, tx Tx) error {
		p, err := tx.GetForUpdate(ctx, orderID)
		if err != nil {
			return fmt.Errorf("load tombstone: %w", err)
		}
		if !p.VoidPending() || p.AuthID() != authID {
			return nil // voided meanwhile by another run
		}
		if err := p.OrphanVoided(v.Now()); err != nil {
			return err
		}
		return tx.Update(ctx, p)
	})
}
