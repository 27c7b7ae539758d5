package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

const insertSQL = `INSERT INTO payments (order_id, status, auth_id, amount_cents, currency, reason, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

const updateSQL = `UPDATE payments SET status = $2, auth_id = $3, reason = $4, void_pending = $5,
	updated_at = $6 WHERE order_id = $1`

// Tx is command.Tx on a PostgreSQL transaction that the caller owns (an inbox
// handler's), so payments and their outbox rows commit together.
type Tx struct {
	tx    pgx.Tx
	batch *Batch // the batch state tx shares; nil for none
}

// NewTx wraps tx.
func NewTx(tx pgx.Tx) *Tx { return &Tx{tx: tx} }

// GetForUpdate returns the order's payment locked until the transaction
// ends, or command.ErrNotFound.
func (t *Tx) GetForUpdate(ctx context.Context, orderID string) (domain.Payment, error) {
	if b := t.batch.serving(t.tx, orderID); b != nil {
		if p, ok := b.get(orderID); ok {
			return p, nil
		}
		return domain.Payment{}, command.ErrNotFound
	}
	return get(ctx, t.tx, `SELECT `+columns+` FROM payments WHERE order_id = $1 FOR UPDATE`, orderID)
}

// Insert stores a new payment, or returns command.ErrChanged when another
// transaction stored the order's payment first.
func (t *Tx) Insert(ctx context.Context, p domain.Payment) error {
	s := p.Snapshot()
	if b := t.batch.serving(t.tx, s.OrderID); b != nil {
		b.queue(insertSQL, s.OrderID, string(s.Status), s.AuthID, s.AmountCents, s.Currency, s.Reason, s.CreatedAt, s.UpdatedAt)
		b.payments[s.OrderID] = p
		return nil
	}
	tag, err := t.tx.Exec(ctx, insertSQL+` ON CONFLICT (order_id) DO NOTHING`,
		s.OrderID, string(s.Status), s.AuthID, s.AmountCents, s.Currency, s.Reason, s.CreatedAt, s.UpdatedAt)
	if err != nil {
		return fmt.Errorf("insert payment: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return command.ErrChanged
	}
	return nil
}

// Update stores a changed payment's state.
func (t *Tx) Update(ctx context.Context, p domain.Payment) error {
	s := p.Snapshot()
	if b := t.batch.serving(t.tx, s.OrderID); b != nil {
		b.queue(updateSQL, s.OrderID, string(s.Status), s.AuthID, s.Reason, s.VoidPending, s.UpdatedAt)
		b.payments[s.OrderID] = p
		return nil
	}
	_, err := t.tx.Exec(ctx, updateSQL, s.OrderID, string(s.Status), s.AuthID, s.Reason, s.VoidPending, s.UpdatedAt)
	if err != nil {
		return fmt.Errorf("update payment: %w", err)
	}
	return nil
}

// Emit adds events to the outbox in the transaction.
func (t *Tx) Emit(ctx context.Context, evs ...event.Event) error {
	if t.batch != nil && t.batch.Serves(t.tx) {
		t.batch.queueEvents(evs)
		return nil
	}
	return outbox.Add(ctx, t.tx, evs...)
}

// isInvalidUUID reports a lookup by a string that is no UUID, which finds nothing.
func isInvalidUUID(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "22P02"
}
