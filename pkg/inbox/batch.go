package inbox

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Batch is what the events of one delivered batch share inside its
// transaction: state read for all of them in the round trip that begins
// the transaction, and writes they defer to the round trip that commits
// it. A service embeds it in a type of its own, a Prefetcher, that queues
// what to read and keeps what was read; PrefetchHandler builds one per
// delivery and passes it to the handler of every event, as a parameter.
//
// A Batch serves only the transaction it was read in. When the handler
// runs the batch again with a savepoint per message, the handlers see
// another pgx.Tx (Serves is false) and read and write on their own, and
// the writes deferred in the rolled-back run are dropped.
type Batch struct {
	tx      pgx.Tx     // the transaction the reads ran in; nil before
	pending *pgx.Batch // the deferred writes
	failed  bool       // a handler said the state can no longer be trusted
}

// Prefetcher is a service's state for one batch of events. It embeds Batch
// and queues the locks and reads the batch's events will need, with
// callbacks (pgx.QueuedQuery.Query and friends) that keep the results.
// PrefetchHandler sends them with the transaction's BEGIN and its record
// of the inbox rows: one round trip for all of them.
type Prefetcher interface {
	QueueReads(q *pgx.Batch)
	inboxBatch() *Batch
}

func (b *Batch) inboxBatch() *Batch { return b }

// Serves reports whether b's state is that of tx: b was read in tx and no
// handler has failed it since.
func (b *Batch) Serves(tx pgx.Tx) bool { return !b.failed && b.tx != nil && b.tx == tx }

// Fail stops b from serving, for a handler whose failure may have left the
// state it changed half-updated.
func (b *Batch) Fail() { b.failed = true }

// Deferred returns the batch of writes that PrefetchHandler sends with the
// COMMIT of the transaction b serves.
func (b *Batch) Deferred() *pgx.Batch {
	if b.pending == nil {
		b.pending = &pgx.Batch{}
	}
	return b.pending
}

// Flusher is a Prefetcher that holds some writes back until the batch
// commits, to send them coalesced: one statement for the rows of all its
// events, each row written once in its final state, and the outbox rows of
// all their events in one insert. PrefetchHandler calls QueueWrites once,
// just before the COMMIT, after the writes queued on Deferred, and then
// calls the done it returned (if not nil) with the commit's outcome; the
// outbox hand-off (outbox.Handoff.QueueCommit) has that shape. A run with
// savepoints calls neither: there the handlers write on their own.
type Flusher interface {
	QueueWrites(q *pgx.Batch) (done func(committed bool))
}

// commitBatch commits tx with p's deferred and coalesced writes (p may be
// nil) and tells p the outcome.
func commitBatch(ctx context.Context, tx pgx.Tx, p Prefetcher) error {
	if p == nil {
		return commitWith(ctx, tx, nil)
	}
	q := &pgx.Batch{}
	if b := p.inboxBatch(); b.pending != nil {
		q.QueuedQueries = append(q.QueuedQueries, b.pending.QueuedQueries...)
	}
	var done func(bool)
	if f, ok := p.(Flusher); ok {
		done = f.QueueWrites(q)
	}
	err := commitWith(ctx, tx, q)
	if done != nil {
		done(err == nil)
	}
	return err
}
