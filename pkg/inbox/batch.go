package inbox

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Batch is what the Func calls of one delivered batch share inside its
// transaction: state a prefetch read for all of its events in one round
// trip, and writes they defer to one more round trip before the commit
// (Flush, called through the Flush option). A service embeds it in a type
// of its own that names what to prefetch and keeps what was read.
//
// A Batch serves only the transaction of its first use. When the handler
// runs the batch again with a savepoint per message, the Funcs see another
// pgx.Tx and read and write on their own, and the writes deferred in the
// rolled-back run are dropped.
type Batch struct {
	tx      pgx.Tx     // the transaction of the first use; nil before it
	pending *pgx.Batch // the deferred writes
	failed  bool       // the prefetch or the flush failed, or a Func said so
}

// Bind binds b to tx on its first use, running prefetch then, and reports
// whether b serves tx. After a failed prefetch it serves nothing.
func (b *Batch) Bind(ctx context.Context, tx pgx.Tx, prefetch func(context.Context, pgx.Tx) error) (bool, error) {
	if b.failed || (b.tx != nil && b.tx != tx) {
		return false, nil
	}
	if b.tx == nil {
		b.tx = tx
		if err := prefetch(ctx, tx); err != nil {
			b.failed = true
			return false, err
		}
	}
	return true, nil
}

// Serves reports whether b is bound to tx and still usable.
func (b *Batch) Serves(tx pgx.Tx) bool { return !b.failed && b.tx == tx }

// Fail stops b from serving, when what it holds may no longer be true.
func (b *Batch) Fail() { b.failed = true }

// Deferred is the batch to queue deferred writes and outbox rows in.
func (b *Batch) Deferred() *pgx.Batch {
	if b.pending == nil {
		b.pending = &pgx.Batch{}
	}
	return b.pending
}

// Flush sends the writes deferred in tx in one round trip. Writes deferred
// in another transaction are not sent.
func (b *Batch) Flush(ctx context.Context, tx pgx.Tx) error {
	if b.pending == nil || b.tx != tx {
		return nil
	}
	pending := b.pending
	b.pending = nil
	if err := tx.SendBatch(ctx, pending).Close(); err != nil {
		b.failed = true
		return err
	}
	return nil
}
