package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/services/inventory/internal/app/query"
)

// ReadModel reads the catalogue from PostgreSQL without locks.
type ReadModel struct {
	pool *pgxpool.Pool
}

var _ query.ReadModel = (*ReadModel)(nil)

// NewReadModel returns a read model on pool.
func NewReadModel(pool *pgxpool.Pool) *ReadModel {
	return &ReadModel{pool: pool}
}

// Products returns the products with the given SKUs, or all for none, in one query.
func (m *ReadModel) Products(ctx context.Context, skus []string, r query.Range) ([]query.Product, error) {
	rows, err := m.pool.Query(ctx, `SELECT sku, name, price_cents, currency, available FROM products
		WHERE (cardinality($1::text[]) = 0 OR sku = ANY($1)) AND sku > $2 ORDER BY sku LIMIT $3`,
		nonNil(skus), r.After, limit(r))
	if err != nil {
		return nil, fmt.Errorf("query products: %w", err)
	}
	ps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (query.Product, error) {
		var p query.Product
		err := row.Scan(&p.SKU, &p.Name, &p.PriceCents, &p.Currency, &p.Available)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("read products: %w", err)
	}
	return ps, nil
}

// StockLevels returns the counters of the products with the given SKUs, or
// of all for none, in SKU order.
func (m *ReadModel) StockLevels(ctx context.Context, skus []string, r query.Range) ([]query.StockLevel, error) {
	rows, err := m.pool.Query(ctx, `SELECT sku, available, reserved, sold FROM products
		WHERE (cardinality($1::text[]) = 0 OR sku = ANY($1)) AND sku > $2 ORDER BY sku LIMIT $3`,
		nonNil(skus), r.After, limit(r))
	if err != nil {
		return nil, fmt.Errorf("query stock levels: %w", err)
	}
	levels, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (query.StockLevel, error) {
		var l query.StockLevel
		err := row.Scan(&l.SKU, &l.Available, &l.Reserved, &l.Sold)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("read stock levels: %w", err)
	}
	return levels, nil
}

// nonNil turns a nil filter into an empty array: pgx sends nil as NULL, and
// cardinality(NULL) is NULL, which would match nothing.
func nonNil(skus []string) []string {
	if skus == nil {
		return []string{}
	}
	return skus
}

// limit is a range's LIMIT: NULL, no bound, for a range of any length.
func limit(r query.Range) *int {
	if r.Limit <= 0 {
		return nil
	}
	return &r.Limit
}
