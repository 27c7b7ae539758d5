// Package postgres stores payments in PostgreSQL and their events in the
// same database's outbox.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/app/query"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

const columns = `order_id::text, status, auth_id, amount_cents, currency, reason, void_pending, created_at, updated_at`

// Payments reads payments from a pool, outside any transaction.
type Payments struct {
	pool *pgxpool.Pool
}

// NewPayments returns the reader of pool's payments.
func NewPayments(pool *pgxpool.Pool) *Payments { return &Payments{pool: pool} }

// Get returns the order's payment, or command.ErrNotFound.
func (r *Payments) Get(ctx context.Context, orderID string) (domain.Payment, error) {
	return get(ctx, r.pool, `SELECT `+columns+` FROM payments WHERE order_id = $1`, orderID)
}

// List returns the payments f selects, newest first; the indexes on
// (created_at DESC, order_id DESC), with status first or not, serve every
// page.
func (r *Payments) List(ctx context.Context, f query.ListFilter) ([]domain.Payment, error) {
	// The first page starts after a position later than any payment.
	before := query.Position{CreatedAt: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), OrderID: "ffffffff-ffff-ffff-ffff-ffffffffffff"}
	if f.After != nil {
		before = *f.After
	}
	query := `SELECT ` + columns + ` FROM payments WHERE status <> 'CANCELLED'
		AND (created_at, order_id) < ($2, $3::uuid) ORDER BY created_at DESC, order_id DESC LIMIT $1`
	args := []any{f.Limit, before.CreatedAt, before.OrderID}
	if f.Status != "" {
		query = `SELECT ` + columns + ` FROM payments WHERE status = $4
			AND (created_at, order_id) < ($2, $3::uuid) ORDER BY created_at DESC, order_id DESC LIMIT $1`
		args = append(args, string(f.Status))
	}
	return r.query(ctx, query, args...)
}

// PendingVoids returns up to limit tombstones holding an authorisation
// still to be voided, oldest first.
func (r *Payments) PendingVoids(ctx context.Context, limit int) ([]domain.Payment, error) {
	return r.query(ctx, `SELECT `+columns+` FROM payments WHERE void_pending ORDER BY updated_at LIMIT $1`, limit)
}

// InTx runs fn in one transaction, committed when fn returns nil.
func (r *Payments) InTx(ctx context.Context, fn func(ctx context.Context, tx command.Tx) error) error {
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error { return fn(ctx, NewTx(tx)) })
}

func (r *Payments) query(ctx context.Context, sql string, args ...any) ([]domain.Payment, error) {
	rows, _ := r.pool.Query(ctx, sql, args...)
	snaps, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		return nil, fmt.Errorf("query payments: %w", err)
	}
	out := make([]domain.Payment, len(snaps))
	for i, s := range snaps {
		out[i] = s.toDomain()
	}
	return out, nil
}

// querier is what both a pool and a transaction offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func get(ctx context.Context, q querier, sql, orderID string) (domain.Payment, error) {
	rows, _ := q.Query(ctx, sql, orderID)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[row])
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return domain.Payment{}, command.ErrNotFound
	case err != nil && isInvalidUUID(err):
		return domain.Payment{}, command.ErrNotFound
	case err != nil:
		return domain.Payment{}, fmt.Errorf("query payment: %w", err)
	}
	return r.toDomain(), nil
}

// row is a payments row as selected by columns.
type row struct {
	OrderID     string
	Status      string
	AuthID      string
	AmountCents int64
	Currency    string
	Reason      string
	VoidPending bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (r row) toDomain() domain.Payment {
	return domain.FromSnapshot(domain.Snapshot{
		OrderID: r.OrderID, AuthID: r.AuthID, AmountCents: r.AmountCents, Currency: r.Currency,
		Status: domain.Status(r.Status), Reason: r.Reason, VoidPending: r.VoidPending, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	})
}
