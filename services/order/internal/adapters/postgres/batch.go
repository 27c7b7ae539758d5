package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// SagaBatch names the orders of a batch of saga events handled in one
// inbox transaction: their locks and reads travel with its BEGIN and their
// writes with its COMMIT (inbox.WithBatch), instead of two round trips per
// event.
type SagaBatch struct {
	OrderIDs []uuid.UUID
	inbox.Batch

	orders map[uuid.UUID]*domain.Order // the prefetched orders, as updated so far
	known  map[uuid.UUID]bool          // the ids prefetched, found or not
}

// sagaBatch returns the batch ctx carries if it is usable in tx for id;
// nil means lock, read and write on its own. Only calls in the transaction
// the batch was read in use it; others (the inbox's retry with a savepoint
// per event) lock, read and write event by event.
func sagaBatch(ctx context.Context, tx pgx.Tx, id uuid.UUID) *SagaBatch {
	b, ok := inbox.BatchOf[*SagaBatch](ctx)
	if !ok || !b.Serves(tx) || !b.known[id] {
		return nil
	}
	return b
}

// QueueReads queues the lock and read of the batch's orders, in id order so
// that two batches wait for each other rather than deadlock.
func (b *SagaBatch) QueueReads(q *pgx.Batch) {
	ids := slices.Compact(slices.SortedFunc(slices.Values(b.OrderIDs), func(a, c uuid.UUID) int {
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
	b.Emit(evs...)
	b.orders[id] = &next
	return nil
}
