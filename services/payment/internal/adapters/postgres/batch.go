package postgres

import (
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

// Batch is the state of a batch of events handled in one inbox
// transaction (inbox.PrefetchHandler): the payments of the orders it names
// are locked and read with the transaction's BEGIN, and its writes and
// outbox rows sent with its COMMIT, instead of several round trips per
// event.
type Batch struct {
	inbox.Batch
	orderIDs []string
	handoff  *outbox.Handoff

	known    map[string]bool
	payments map[string]domain.Payment
	events   []event.Event // the events of the batch's records, in order
}

// NewBatch returns the state of a batch about orderIDs, whose events go to
// the relay through handoff (nil for the plain outbox).
func NewBatch(orderIDs []string, handoff *outbox.Handoff) *Batch {
	return &Batch{orderIDs: orderIDs, handoff: handoff}
}

// Tx returns the command.Tx of one event of the batch inside tx.
func (b *Batch) Tx(tx pgx.Tx) command.Tx { return &Tx{tx: tx, batch: b} }

// serving returns b if it is usable in tx for orderID; nil means work on
// its own. Only calls on the transaction the batch was read in use it;
// others (the inbox's retry with a savepoint per event) read and write at
// once, as without a batch. b may be nil.
func (b *Batch) serving(tx pgx.Tx, orderID string) *Batch {
	if b == nil || !b.Serves(tx) || !b.known[orderID] {
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
	for _, id := range b.orderIDs {
		b.known[id] = true
	}
	q.Queue(`SELECT `+columns+` FROM payments WHERE order_id = ANY($1::uuid[])
		ORDER BY order_id FOR UPDATE`, canonicalIDs(b.orderIDs)).Query(func(rows pgx.Rows) error {
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

// queueEvents defers outbox rows to the commit (QueueWrites).
func (b *Batch) queueEvents(evs []event.Event) { b.events = append(b.events, evs...) }

// QueueWrites queues the outbox rows of the batch's events with the COMMIT,
// handing them to the relay once it committed (inbox.Flusher).
func (b *Batch) QueueWrites(q *pgx.Batch) func(committed bool) {
	return b.handoff.QueueCommit(q, b.events)
}
