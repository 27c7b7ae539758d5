// Package postgres implements the storage the inventory's use cases declare,
// on PostgreSQL with pgx, and seeds the catalogue.
package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// inTx runs fn in the caller's transaction when the repository has one (an
// inbox handler's, which commits or rolls back per message, so no
// savepoint is added), or else in a new transaction on the pool.
func (r *Repository) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	if r.tx != nil {
		return fn(r.tx)
	}
	return pgx.BeginFunc(ctx, r.pool, fn)
}
