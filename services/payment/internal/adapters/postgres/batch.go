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
type Batch struct {
	OrderIDs []string
	inbox.Batch

	known    map[string]bool
	payments map[string]domain.Payment
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
	ids := make([]string, 0, len(b.OrderIDs))
	for _, id := range b.OrderIDs {
		b.known[id] = true
		if u, err := uuid.Parse(id); err == nil && u.String() == id {
			ids = append(ids, id)
		}
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	q.Queue(`SELECT `+columns+` FROM payments WHERE order_id = ANY($1::uuid[])
		ORDER BY order_id FOR UPDATE`, ids).Query(func(rows pgx.Rows) error {
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
