package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/services/inventory/internal/app/command"
	"github.com/eventshop/eventshop/services/inventory/internal/domain"
)

// Repository stores products and reservations in PostgreSQL and the
// events of each change in the same transaction's outbox. One made by
// NewRepository runs its own transactions; one made by InTx or by an
// OrderBatch writes inside the caller's transaction and leaves the commit
// to the caller.
type Repository struct {
	pool  *pgxpool.Pool
	tx    pgx.Tx      // the caller's transaction; nil for one's own
	batch *OrderBatch // the batch state tx shares; nil for none
}

var _ command.Repository = (*Repository)(nil)

// NewRepository returns a repository on pool.
func NewRepository(pool *pgxpool.Pool) *Repository {
	return &Repository{pool: pool}
}

// InTx returns a repository whose writes happen inside tx, so that an event
// handler commits its effect with its inbox row.
func (r *Repository) InTx(tx pgx.Tx) *Repository {
	return &Repository{pool: r.pool, tx: tx}
}

// UpdateOrder locks the order (a transaction-scoped advisory lock, as the
// reservation row may not exist yet), then its reservation and products in
// SKU order, applies fn and stores its result and events. The locks and
// reads travel as one batch, and so do the writes: two round trips.
func (r *Repository) UpdateOrder(ctx context.Context, orderID string, skus []string, fn command.OrderUpdate) error {
	return r.inTx(ctx, func(tx pgx.Tx) error {
		batch := r.batch.serving(tx, orderID, skus)
		res, products, err := r.read(ctx, tx, batch, orderID, skus)
		if err != nil {
			return err
		}
		before := snapshot(products)
		next, evs, err := fn(res, products)
		if err != nil {
			if batch != nil {
				batch.Fail() // fn may have changed the cached products
			}
			return err
		}
		if batch != nil {
			return batch.write(next, changed(before, products), evs)
		}
		b := &pgx.Batch{}
		if err := queueWrites(b, next, changed(before, products), evs); err != nil {
			return err
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("store order %s: %w", orderID, err)
		}
		return nil
	})
}

// queueWrites adds the writes of one order update to b.
func queueWrites(b *pgx.Batch, next *domain.Reservation, products []*domain.Product, evs []event.Event) error {
	if next != nil {
		row, err := toRow(next)
		if err != nil {
			return err
		}
		queueReservations(b, []reservationRow{row})
	}
	queueProducts(b, products)
	outbox.Queue(b, evs...)
	return nil
}

// read returns the order's reservation and products, from the batch's
// prefetch when there is one, else locking them now.
func (r *Repository) read(ctx context.Context, tx pgx.Tx, batch *OrderBatch, orderID string, skus []string) (*domain.Reservation, map[string]*domain.Product, error) {
	if batch == nil {
		return lockOrder(ctx, tx, orderID, skus)
	}
	res, products := batch.view(orderID, skus)
	return res, products, nil
}

// lockOrderProductsSQL locks, in SKU order, the products named by $1 and by
// the lines of order $2's reservation, which the same batch locked first.
const lockOrderProductsSQL = `SELECT sku, name, price_cents, currency, available, reserved, sold
FROM products WHERE sku = ANY($1::text[] || ARRAY(
  SELECT l->>'sku' FROM reservations r, jsonb_array_elements(r.lines) l WHERE r.order_id = $2))
ORDER BY sku FOR UPDATE`

// lockOrder takes the order's advisory lock, its reservation's row lock
// and its products' row locks, in that order, in one round trip.
func lockOrder(ctx context.Context, tx pgx.Tx, orderID string, skus []string) (*domain.Reservation, map[string]*domain.Product, error) {
	if skus == nil {
		skus = []string{} // not NULL, which would lose the reservation's SKUs
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, orderID)
	b.Queue(loadReservationSQL, orderID)
	b.Queue(lockOrderProductsSQL, skus, orderID)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, nil, fmt.Errorf("lock order: %w", err)
	}
	res, err := scanReservation(orderID, br.QueryRow())
	if err != nil {
		return nil, nil, err
	}
	rows, _ := br.Query()
	list, err := pgx.CollectRows(rows, scanProduct)
	if err != nil {
		return nil, nil, fmt.Errorf("lock products: %w", err)
	}
	products := make(map[string]*domain.Product, len(list))
	for _, p := range list {
		products[p.SKU()] = p
	}
	return res, products, br.Close()
}

// UpdateProduct locks one product, applies fn and stores its result and events.
func (r *Repository) UpdateProduct(ctx context.Context, sku string, fn func(*domain.Product) ([]event.Event, error)) error {
	return r.inTx(ctx, func(tx pgx.Tx) error {
		products, err := lockProducts(ctx, tx, []string{sku})
		if err != nil {
			return err
		}
		p, ok := products[sku]
		if !ok {
			return fmt.Errorf("%w: %s", domain.ErrUnknownProduct, sku)
		}
		evs, err := fn(p)
		if err != nil {
			return err
		}
		if err := saveProducts(ctx, tx, []*domain.Product{p}); err != nil {
			return err
		}
		return addEvents(ctx, tx, evs)
	})
}

func addEvents(ctx context.Context, tx pgx.Tx, evs []event.Event) error {
	if err := outbox.Add(ctx, tx, evs...); err != nil {
		return fmt.Errorf("store events: %w", err)
	}
	return nil
}

// lockProducts loads and locks the products with the given SKUs. Every
// writer locks in SKU order, so two transactions that share products wait
// for each other instead of deadlocking.
func lockProducts(ctx context.Context, tx pgx.Tx, skus []string) (map[string]*domain.Product, error) {
	products := make(map[string]*domain.Product, len(skus))
	if len(skus) == 0 {
		return products, nil
	}
	skus = slices.Compact(slices.Sorted(slices.Values(skus)))
	rows, err := tx.Query(ctx, `SELECT sku, name, price_cents, currency, available, reserved, sold
		FROM products WHERE sku = ANY($1) ORDER BY sku FOR UPDATE`, skus)
	if err != nil {
		return nil, fmt.Errorf("lock products: %w", err)
	}
	list, err := pgx.CollectRows(rows, scanProduct)
	if err != nil {
		return nil, fmt.Errorf("lock products: %w", err)
	}
	for _, p := range list {
		products[p.SKU()] = p
	}
	return products, nil
}

func scanProduct(row pgx.CollectableRow) (*domain.Product, error) {
	var (
		sku, name, currency        string
		price, avail, reserv, sold int64
	)
	if err := row.Scan(&sku, &name, &price, &currency, &avail, &reserv, &sold); err != nil {
		return nil, err
	}
	return domain.UnmarshalProduct(sku, name, price, currency, avail, reserv, sold)
}

// saveProducts writes the counters of products in one statement.
func saveProducts(ctx context.Context, tx pgx.Tx, products []*domain.Product) error {
	b := &pgx.Batch{}
	queueProducts(b, products)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("save products: %w", err)
	}
	return nil
}

// queueProducts adds the update of products' counters, one statement, to b.
func queueProducts(b *pgx.Batch, products []*domain.Product) {
	if len(products) == 0 {
		return
	}
	var skus []string
	var avail, reserv, sold []int64
	for _, p := range products {
		skus = append(skus, p.SKU())
		avail, reserv, sold = append(avail, p.Available()), append(reserv, p.Reserved()), append(sold, p.Sold())
	}
	b.Queue(`UPDATE products p
		SET available = u.available, reserved = u.reserved, sold = u.sold, updated_at = now()
		FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) AS u(sku, available, reserved, sold)
		WHERE p.sku = u.sku`, skus, avail, reserv, sold)
}

type counters struct{ available, reserved, sold int64 }

func snapshot(products map[string]*domain.Product) map[string]counters {
	out := make(map[string]counters, len(products))
	for sku, p := range products {
		out[sku] = counters{p.Available(), p.Reserved(), p.Sold()}
	}
	return out
}

// changed returns the products whose counters differ from before, so that a
// rejected or repeated event writes no product rows.
func changed(before map[string]counters, products map[string]*domain.Product) []*domain.Product {
	var out []*domain.Product
	for sku, p := range products {
		if before[sku] != (counters{p.Available(), p.Reserved(), p.Sold()}) {
			out = append(out, p)
		}
	}
	return out
}
