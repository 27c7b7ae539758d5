// Package postgres implements the storage the inventory's use cases declare,
// on PostgreSQL with pgx, and seeds the catalogue.
package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/outbox"
)

type txKey struct{}

// WithTx returns ctx carrying tx, so that repository calls made with it join
// tx instead of starting their own transaction. The
// event ports use it to commit a handler's effect together with its inbox row
// while the use cases stay unaware of transactions.
func WithTx(ctx context.Context, tx pgx.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// inTx runs fn in the transaction carried by ctx, or else in a new
// transaction on pool, after whose commit it wakes the outbox relay. A joined transaction is the caller's to commit or roll
// back (the inbox handler does either per message), so no savepoint is added.
func inTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	if tx, ok := ctx.Value(txKey{}).(pgx.Tx); ok {
		return fn(tx)
	}
	if err := pgx.BeginFunc(ctx, pool, fn); err != nil {
		return err
	}
	outbox.Committed()
	return nil
}
