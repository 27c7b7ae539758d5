package postgres

import (
	"fmt"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/services/inventory/internal/app/command"
	"github.com/eventshop/eventshop/services/inventory/internal/domain"
)

// OrderBatch is the state of a batch of order events handled in one inbox
// transaction (inbox.PrefetchHandler): the orders it names (and the SKUs of
// placed orders) are locked and read with the transaction's BEGIN, and
// their writes and outbox rows sent with its COMMIT, instead of two round
// trips per event.
type OrderBatch struct {
	inbox.Batch
	orderIDs []string
	skus     []string
	pool     *pgxpool.Pool
	handoff  *outbox.Handoff

	known map[string]bool // the orders prefetched
	asked map[string]bool // the SKUs prefetched besides the reservations'

	res   map[string]*domain.Reservation
	prods map[string]*domain.Product

	// The rows the batch's updates changed, written once each at the
	// commit (QueueWrites): under load a batch reserves and sells the same
	// few products for dozens of orders.
	dirtyRes   map[string]reservationRow
	dirtyProds map[string]*domain.Product
	events     []event.Event // the events of the batch's updates, in order
}

// NewOrderBatch returns the state of a batch about orderIDs, whose placed
// orders name skus, on pool; its events go to the relay through handoff
// (nil for the plain outbox).
func NewOrderBatch(pool *pgxpool.Pool, orderIDs, skus []string, handoff *outbox.Handoff) *OrderBatch {
	return &OrderBatch{pool: pool, orderIDs: orderIDs, skus: skus, handoff: handoff}
}

// Repository returns the repository of one event of the batch inside tx.
func (b *OrderBatch) Repository(tx pgx.Tx) command.Repository {
	return &Repository{pool: b.pool, tx: tx, batch: b}
}

// serving returns b if it is usable in tx for orderID and skus; nil means
// lock and read on its own. Only calls in the transaction the batch was
// read in use it; others (the inbox's retry with a savepoint per event)
// lock and read event by event. b may be nil.
func (b *OrderBatch) serving(tx pgx.Tx, orderID string, skus []string) *OrderBatch {
	if b == nil || !b.Serves(tx) || !b.known[orderID] {
		return nil
	}
	for _, sku := range skus {
		if !b.asked[sku] {
			return nil
		}
	}
	return b
}

// batchProductsSQL locks, in SKU order, the products named by $1 and by the
// lines of the reservations of orders $2, which the same batch locked first.
const batchProductsSQL = `SELECT sku, name, price_cents, currency, available, reserved, sold
FROM products WHERE sku = ANY($1::text[] || ARRAY(
  SELECT l->>'sku' FROM reservations r, jsonb_array_elements(r.lines) l WHERE r.order_id = ANY($2)))
ORDER BY sku FOR UPDATE`

// QueueReads queues the advisory lock of every order in order id order,
// then the lock and read of their reservations and their products in key
// order.
func (b *OrderBatch) QueueReads(q *pgx.Batch) {
	ids := slices.Compact(slices.Sorted(slices.Values(b.orderIDs)))
	skus := append([]string{}, b.skus...)
	b.asked = make(map[string]bool, len(skus))
	for _, sku := range skus {
		b.asked[sku] = true
	}
	b.known, b.res = make(map[string]bool, len(ids)), map[string]*domain.Reservation{}
	for _, id := range ids {
		b.known[id] = true
	}
	b.prods = map[string]*domain.Product{}
	b.dirtyRes, b.dirtyProds = map[string]reservationRow{}, map[string]*domain.Product{}
	q.Queue(`SELECT pg_advisory_xact_lock(hashtextextended(id, 0)) FROM unnest($1::text[]) AS id`, ids)
	q.Queue(`SELECT order_id, state, lines FROM reservations WHERE order_id = ANY($1)
		ORDER BY order_id FOR UPDATE`, ids).Query(b.readReservations)
	q.Queue(batchProductsSQL, skus, ids).Query(func(rows pgx.Rows) error {
		list, err := pgx.CollectRows(rows, scanProduct)
		if err != nil {
			return fmt.Errorf("lock products: %w", err)
		}
		for _, p := range list {
			b.prods[p.SKU()] = p
		}
		return nil
	})
}

func (b *OrderBatch) readReservations(rows pgx.Rows) error {
	for rows.Next() {
		var id string
		res, err := scanReservationRow(rows, &id)
		if err != nil {
			return err
		}
		b.res[id] = res
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load reservations: %w", err)
	}
	return nil
}

// view is what UpdateOrder would have read for orderID: its reservation
// and the products named by skus and by the reservation's lines.
func (b *OrderBatch) view(orderID string, skus []string) (*domain.Reservation, map[string]*domain.Product) {
	res := b.res[orderID]
	if res != nil {
		for _, l := range res.Lines() {
			skus = append(skus, l.SKU)
		}
	}
	products := make(map[string]*domain.Product, len(skus))
	for _, sku := range skus {
		if p, ok := b.prods[sku]; ok {
			products[sku] = p
		}
	}
	return res, products
}

// write keeps an update's changes for the commit and makes the batch
// state show them to the next updates.
func (b *OrderBatch) write(next *domain.Reservation, products []*domain.Product, evs []event.Event) error {
	if next != nil {
		row, err := toRow(next)
		if err != nil {
			b.Fail()
			return err
		}
		b.res[next.OrderID()] = next
		b.dirtyRes[next.OrderID()] = row
	}
	for _, p := range products {
		b.dirtyProds[p.SKU()] = p
	}
	b.events = append(b.events, evs...)
	return nil
}

// QueueWrites queues the final state of every reservation and product the
// batch changed, one statement each, and the outbox rows of its events,
// handed to the relay once the batch committed (inbox.Flusher).
func (b *OrderBatch) QueueWrites(q *pgx.Batch) func(committed bool) {
	queueReservations(q, slices.Collect(maps.Values(b.dirtyRes)))
	queueProducts(q, slices.Collect(maps.Values(b.dirtyProds)))
	return b.handoff.QueueCommit(q, b.events)
}
