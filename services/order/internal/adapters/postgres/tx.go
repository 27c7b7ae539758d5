package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/outbox"
)

// inTx runs fn in db when db is a transaction already (an event handler's,
// which the inbox commits, or rolls back and runs again with a savepoint
// per message if anything fails), or else in a new transaction, after
// whose commit it wakes the outbox relay. Not opening a savepoint of our
// own saves two round trips per event.
func inTx(ctx context.Context, db db, fn func(pgx.Tx) error) error {
	if tx, ok := db.(pgx.Tx); ok {
		return fn(tx)
	}
	if err := pgx.BeginFunc(ctx, db, fn); err != nil {
		return err
	}
	outbox.Committed()
	return nil
}
