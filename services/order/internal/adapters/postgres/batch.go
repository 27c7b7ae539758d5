package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/services/order/internal/app/command"
	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// SagaBatch is the state of a batch of saga events handled in one inbox
// transaction (inbox.PrefetchHandler): the orders it names are locked and
// read with the transaction's BEGIN, and their writes and outbox rows sent
// with its COMMIT, instead of two round trips per event.
type SagaBatch struct {
	inbox.Batch
	ids     []uuid.UUID
	handoff *outbox.Handoff

	orders map[uuid.UUID]*domain.Order // the prefetched orders, as updated so far
	known  map[uuid.UUID]bool          // the ids prefetched, found or not
	events []event.Event               // the events of the batch's updates, in order
}

// NewSagaBatch returns the state of a batch about orderIDs, whose events
// go to the relay through handoff (nil for the plain outbox).
func NewSagaBatch(orderIDs []uuid.UUID, handoff *outbox.Handoff) *SagaBatch {
	return &SagaBatch{ids: orderIDs, handoff: handoff}
}

// Repository returns the repository of one event of the batch inside tx.
func (b *SagaBatch) Repository(tx pgx.Tx) command.OrderRepository {
	return &Repository{db: tx, tx: tx, batch: b}
}

// serves reports whether b, which may be nil, holds order id for tx; else
// the repository locks, reads and writes on its own (the inbox's retry with
// a savepoint per event).
func (b *SagaBatch) serves(tx pgx.Tx, id uuid.UUID) bool {
	return b != nil && b.Serves(tx) && b.known[id]
}

// QueueReads queues the lock and read of the batch's orders, in id order so
// that two batches wait for each other rather than deadlock.
func (b *SagaBatch) QueueReads(q *pgx.Batch) {
	ids := slices.Compact(slices.SortedFunc(slices.Values(b.ids), func(a, c uuid.UUID) int {
		return slices.Compare(a[:], c[:])
	}))
	b.known = make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		b.known[id] = true
	}
	b.orders = make(map[uuid.UUID]*domain.Order, len(ids))
	q.Queue(`SELECT `+orderColumns+` FROM orders WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids).
		Query(func(rows pgx.Rows) error {
			list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*domain.Order, error) { return scanOrder(row) })
			if err != nil {
				return fmt.Errorf("lock orders: %w", err)
			}
			for _, o := range list {
				b.orders[o.ID()] = o
			}
			return nil
		})
}

// QueueWrites queues the outbox rows of the batch's events with the COMMIT,
// handing them to the relay once it committed (inbox.Flusher).
func (b *SagaBatch) QueueWrites(q *pgx.Batch) func(committed bool) {
	return b.handoff.QueueCommit(q, b.events)
}

// update applies fn to a copy of the prefetched order id and queues its
// writes; the copy replaces the order only when fn succeeds, so a
// transition that is refused leaves the batch's view as it was.
func (b *SagaBatch) update(ctx context.Context, id uuid.UUID, fn func(*domain.Order) error) error {
	cur, ok := b.orders[id]
	if !ok {
		return fmt.Errorf("load order %s: %w", id, domain.ErrNotFound)
	}
	next := *cur
	evs, err := queueUpdates(ctx, b.Deferred(), []*domain.Order{&next}, fn)
	if err != nil {
		return err
	}
	b.events = append(b.events, evs...)
	b.orders[id] = &next
	return nil
}
