package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

// Batch names the orders of a batch of events handled in one inbox
// transaction: their payments are locked and read with its BEGIN and its
// writes and outbox rows sent with its COMMIT (inbox.WithBatch), instead of
// several round trips per event.
//
// A Batch can instead serve the phase before that transaction, when each
// event is decided on its own (ReadAhead). A Batch serves one phase only:
// the read-ahead snapshot would be stale inside the transaction, and the
// transaction's state is uncommitted outside it.
type Batch struct {
	OrderIDs []string
	inbox.Batch

	known    map[string]bool
	payments map[string]domain.Payment
	ahead    map[string]*domain.Payment // ReadAhead's answers; nil for an order with no payment
}

// batchFor returns the batch ctx carries if it is usable in tx for
// orderID; nil means work on its own. Only calls on the transaction the
// batch was read in use it; others (the inbox's retry with a savepoint per
// event) read and write at once, as without a batch.
func batchFor(ctx context.Context, tx pgx.Tx, orderID string) *Batch {
	b, ok := inbox.BatchOf[*Batch](ctx)
	if !ok || !b.Serves(tx) || !b.known[orderID] {
		return nil
	}
	return b
}

// QueueReads queues the lock and read of the payments of the batch's
// orders, in order id order so that concurrent batches wait for each other
// instead of deadlocking. Ids that are no UUID cannot name a payment: they
// are known to have none without asking (a lookup would abort the
// transaction).
func (b *Batch) QueueReads(q *pgx.Batch) {
	b.known, b.payments = map[string]bool{}, map[string]domain.Payment{}
	for _, id := range b.OrderIDs {
		b.known[id] = true
	}
	q.Queue(`SELECT `+columns+` FROM payments WHERE order_id = ANY($1::uuid[])
		ORDER BY order_id FOR UPDATE`, canonicalIDs(b.OrderIDs)).Query(func(rows pgx.Rows) error {
		list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
		if err != nil {
			return fmt.Errorf("lock payments: %w", err)
		}
		for _, r := range list {
			b.payments[r.OrderID] = r.toDomain()
		}
		return nil
	})
}

// canonicalIDs returns the ids that are UUIDs spelled as PostgreSQL prints
// them, sorted and without repeats: the ones a uuid[] parameter accepts
// and whose rows come back under the same string.
func canonicalIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if u, err := uuid.Parse(id); err == nil && u.String() == id {
			out = append(out, id)
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(out)))
}

// get returns the payment an earlier statement of the batch read or queued.
func (b *Batch) get(orderID string) (domain.Payment, bool) {
	p, ok := b.payments[orderID]
	return p, ok
}

// queue defers a write to the commit. A queued insert has no ON CONFLICT
// clause: if another transaction stored the order's payment first, the
// commit fails and the inbox runs the batch again with a savepoint per
// event, which writes at once and sees the conflict as command.ErrChanged.
func (b *Batch) queue(sql string, args ...any) { b.Deferred().Queue(sql, args...) }

// queueEvents defers outbox rows to the commit, and hands the events to
// the relay after it (inbox.Batch.Emit).
func (b *Batch) queueEvents(evs []event.Event) { b.Emit(evs...) }
