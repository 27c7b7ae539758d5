package inbox

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outbox"
)

// Batch is what the Func calls of one delivered batch share inside its
// transaction: state read for all of its events in the round trip that
// begins the transaction, and writes they defer to the round trip that
// commits it. A service embeds it in a type of its own, a Prefetcher, that
// queues what to read and keeps what was read, and hands it to Handler
// and to the Funcs through the context (WithBatch, BatchOf).
//
// A Batch serves only the transaction it was read in. When the handler
// runs the batch again with a savepoint per message, the Funcs see another
// pgx.Tx and read and write on their own, and the writes deferred in the
// rolled-back run are dropped.
type Batch struct {
	tx      pgx.Tx        // the transaction the reads ran in; nil before
	pending *pgx.Batch    // the deferred writes
	events  []event.Event // the events Emit queued, for the relay
	failed  bool          // a Func said the state can no longer be trusted
}

// Prefetcher is a service's state for one batch of events. It embeds Batch
// and queues the locks and reads the batch's events will need, with
// callbacks (pgx.QueuedQuery.Query and friends) that keep the results.
// Handler sends them with the transaction's BEGIN and its record of the
// inbox rows: one round trip for all of them.
type Prefetcher interface {
	QueueReads(q *pgx.Batch)
	inboxBatch() *Batch
}

func (b *Batch) inboxBatch() *Batch { return b }

// A service's Prefetcher gets inboxBatch by embedding Batch.
var _ interface{ inboxBatch() *Batch } = (*Batch)(nil)

type batchKey struct{}

// WithBatch returns ctx carrying p, the state of the batch of events about
// to be handled: Handler sends p's reads with the transaction's BEGIN and
// its deferred writes with the COMMIT, and the batch's Funcs find p with
// BatchOf.
func WithBatch(ctx context.Context, p Prefetcher) context.Context {
	return context.WithValue(ctx, batchKey{}, p)
}

// BatchOf returns the batch state of type T that ctx carries. A Func
// uses it only while it Serves the Func's transaction.
func BatchOf[T Prefetcher](ctx context.Context) (T, bool) {
	p, ok := ctx.Value(batchKey{}).(T)
	return p, ok
}

// Serves reports whether b's state is that of tx: b was read in tx and no
// Func has failed it since.
func (b *Batch) Serves(tx pgx.Tx) bool { return !b.failed && b.tx != nil && b.tx == tx }

// Fail stops b from serving, for a Func whose failure may have left the
// state it changed half-updated.
func (b *Batch) Fail() { b.failed = true }

// Emit defers the outbox rows of evs to the COMMIT, after the other
// deferred writes: the events of the whole batch go in one insert, in the
// order emitted. Handler hands them to the outbox relay once the commit
// succeeded (outbox.Reserve): the relay publishes them without claiming
// their rows first.
func (b *Batch) Emit(evs ...event.Event) {
	b.events = append(b.events, evs...)
}

// Flusher is a Prefetcher that holds some writes back until the batch
// commits, to send them coalesced: one statement for the rows of all its
// events, each row written once in its final state, where a write per
// event would update the same hot rows again and again. Handler calls
// QueueWrites once, just before the COMMIT, after the writes queued on
// Deferred. A run with savepoints does not call it: there the Funcs write
// on their own.
type Flusher interface {
	QueueWrites(q *pgx.Batch)
}

// finalWrites returns what commits with the batch: the deferred writes,
// p's coalesced writes if it is a Flusher, and the emitted events' outbox
// rows.
func finalWrites(p Prefetcher) *pgx.Batch {
	b := p.inboxBatch()
	q := &pgx.Batch{}
	if b.pending != nil {
		q.QueuedQueries = append(q.QueuedQueries, b.pending.QueuedQueries...)
	}
	if f, ok := p.(Flusher); ok {
		f.QueueWrites(q)
	}
	outbox.Queue(q, b.events...)
	return q
}

// Deferred returns the batch of writes that Handler sends with the
// COMMIT of the transaction b serves.
func (b *Batch) Deferred() *pgx.Batch {
	if b.pending == nil {
		b.pending = &pgx.Batch{}
	}
	return b.pending
}
