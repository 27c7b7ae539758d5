package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// inTx runs fn in the caller's transaction when the repository has one (an
// event handler's, which the inbox commits, or rolls back and runs again
// with a savepoint per message if anything fails), or else in a new
// transaction of its own. Not opening a savepoint of our own saves two
// round trips per event.
func (r *Repository) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	if r.tx != nil {
		return fn(r.tx)
	}
	return pgx.BeginFunc(ctx, r.db, fn)
}
