package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/services/inventory/internal/domain"
)

// OrderBatch names the orders (and the SKUs of placed orders) of a batch of
// events handled in one transaction, so that UpdateOrder takes the locks and
// reads of the whole batch in one round trip instead of one per event.
type OrderBatch struct {
	OrderIDs []string
	SKUs     []string
	inbox.Batch

	known map[string]bool // the orders prefetched
	asked map[string]bool // the SKUs prefetched besides the reservations'

	res   map[string]*domain.Reservation
	prods map[string]*domain.Product
}

type batchKey struct{}

// WithOrderBatch returns ctx carrying b for the UpdateOrder calls of one
// batch. Only calls in the transaction of the first one use the prefetched
// state; others (the inbox's retry with a savepoint per event) lock and
// read event by event.
func WithOrderBatch(ctx context.Context, b *OrderBatch) context.Context {
	return context.WithValue(ctx, batchKey{}, b)
}

// cached returns the batch state usable in tx for orderID and skus,
// prefetching it on first use; nil means lock and read on its own.
func cached(ctx context.Context, tx pgx.Tx, orderID string, skus []string) (*OrderBatch, error) {
	b, ok := ctx.Value(batchKey{}).(*OrderBatch)
	if !ok {
		return nil, nil
	}
	if serves, err := b.Bind(ctx, tx, b.prefetch); !serves || !b.known[orderID] {
		return nil, err
	}
	for _, sku := range skus {
		if !b.asked[sku] {
			return nil, nil
		}
	}
	return b, nil
}

// batchProductsSQL locks, in SKU order, the products named by $1 and by the
// lines of the reservations of orders $2, which the same batch locked first.
const batchProductsSQL = `SELECT sku, name, price_cents, currency, available, reserved, sold
FROM products WHERE sku = ANY($1::text[] || ARRAY(
  SELECT l->>'sku' FROM reservations r, jsonb_array_elements(r.lines) l WHERE r.order_id = ANY($2)))
ORDER BY sku FOR UPDATE`

// prefetch takes, in one round trip, the advisory lock of every order in
// order id order, then their reservations and their products in key order.
func (b *OrderBatch) prefetch(ctx context.Context, tx pgx.Tx) error {
	ids := slices.Compact(slices.Sorted(slices.Values(b.OrderIDs)))
	skus := append([]string{}, b.SKUs...)
	b.asked = make(map[string]bool, len(skus))
	for _, sku := range skus {
		b.asked[sku] = true
	}
	q := &pgx.Batch{}
	q.Queue(`SELECT pg_advisory_xact_lock(hashtextextended(id, 0)) FROM unnest($1::text[]) AS id`, ids)
	q.Queue(`SELECT order_id, state, lines FROM reservations WHERE order_id = ANY($1)
		ORDER BY order_id FOR UPDATE`, ids)
	q.Queue(batchProductsSQL, skus, ids)
	br := tx.SendBatch(ctx, q)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return fmt.Errorf("lock orders: %w", err)
	}
	if err := b.readReservations(br, ids); err != nil {
		return err
	}
	rows, _ := br.Query()
	list, err := pgx.CollectRows(rows, scanProduct)
	if err != nil {
		return fmt.Errorf("lock products: %w", err)
	}
	b.prods = make(map[string]*domain.Product, len(list))
	for _, p := range list {
		b.prods[p.SKU()] = p
	}
	return br.Close()
}

func (b *OrderBatch) readReservations(br pgx.BatchResults, ids []string) error {
	b.known, b.res = make(map[string]bool, len(ids)), map[string]*domain.Reservation{}
	for _, id := range ids {
		b.known[id] = true
	}
	rows, _ := br.Query()
	defer rows.Close()
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

// write queues an update's writes for FlushOrderBatch and makes the batch
// state show them to the next updates.
func (b *OrderBatch) write(next *domain.Reservation, products []*domain.Product, evs []event.Event) error {
	if err := queueWrites(b.Deferred(), next, products, evs); err != nil {
		b.Fail()
		return err
	}
	if next != nil {
		b.res[next.OrderID()] = next
	}
	return nil
}

// FlushOrderBatch sends the writes the batch's updates deferred in tx, in
// one round trip; the inbox handler calls it before the commit (inbox.Flush).
func FlushOrderBatch(ctx context.Context, tx pgx.Tx) error {
	b, ok := ctx.Value(batchKey{}).(*OrderBatch)
	if !ok {
		return nil
	}
	if err := b.Flush(ctx, tx); err != nil {
		return fmt.Errorf("store order updates: %w", err)
	}
	return nil
}
