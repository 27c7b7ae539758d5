// Package postgres stores orders in PostgreSQL. Every status change is
// written with its event to the outbox in the same transaction.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/outbox"

	"github.com/eventshop/eventshop/services/order/internal/app/query"
	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// db is what both a pool and a transaction offer.
type db interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Repository is the PostgreSQL order repository. One made by NewRepository
// runs its own transactions on a pool; one made by InTx or by a SagaBatch
// writes inside the caller's transaction (an inbox transaction), without a
// savepoint, and leaves the commit to the caller.
type Repository struct {
	db      db
	tx      pgx.Tx          // the caller's transaction; nil on a pool
	handoff *outbox.Handoff // hands the events of Add to the relay; nil for none
	batch   *SagaBatch      // the batch state tx shares; nil for none
}

// NewRepository returns a repository on pool. Handoff is the outbox
// hand-off of this process's relay, or nil for the plain outbox.
func NewRepository(pool *pgxpool.Pool, handoff *outbox.Handoff) *Repository {
	return &Repository{db: pool, handoff: handoff}
}

// InTx returns a repository whose writes happen inside tx, so that an event
// handler commits its effect with its inbox row.
func (r *Repository) InTx(tx pgx.Tx) *Repository {
	return &Repository{db: tx, tx: tx}
}

const orderColumns = `id, customer_id, lines, total_cents, payment_method, status, reason, created_at, updated_at`

// Get returns the order or domain.ErrNotFound.
func (r *Repository) Get(ctx context.Context, id uuid.UUID) (*domain.Order, error) {
	o, err := scanOrder(r.db.QueryRow(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("get order %s: %w", id, err)
	}
	return o, nil
}

// ListByCustomer returns the customer's orders newest first, those older
// than after when it is not nil, at most limit; the index on (customer_id,
// created_at DESC, id DESC) serves every page.
func (r *Repository) ListByCustomer(ctx context.Context, customerID string, after *query.OrderPosition, limit int) ([]*domain.Order, error) {
	// The first page starts after a position later than any order.
	before := query.OrderPosition{CreatedAt: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), ID: uuid.Max}
	if after != nil {
		before = *after
	}
	rows, err := r.db.Query(ctx, `SELECT `+orderColumns+` FROM orders WHERE customer_id = $1
		AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT $4`,
		customerID, before.CreatedAt, before.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	orders, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*domain.Order, error) {
		return scanOrder(row)
	})
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	return orders, nil
}

// FindByIdempotencyKey returns the order placed with the customer's key and
// the request hash stored with it, or domain.ErrNotFound.
func (r *Repository) FindByIdempotencyKey(ctx context.Context, customerID, key string) (*domain.Order, string, error) {
	var hash string
	var id uuid.UUID
	err := r.db.QueryRow(ctx, `SELECT request_hash, order_id FROM idempotency_keys
		WHERE customer_id = $1 AND key = $2`, customerID, key).Scan(&hash, &id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", domain.ErrNotFound
	}
	if err != nil {
		return nil, "", fmt.Errorf("find idempotency key: %w", err)
	}
	o, err := r.Get(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return o, hash, nil
}
