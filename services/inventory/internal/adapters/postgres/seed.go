package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// SeedProduct is one product of the initial catalogue.
type SeedProduct struct {
	SKU        string
	Name       string
	PriceCents int64
	Currency   string
	Stock      int64
}

// Catalogue is the catalogue a fresh inventory starts with. Its SKUs are
// stable: demos, load tests and docs name them.
var Catalogue = []SeedProduct{
	{SKU: "SKU-KEYBOARD", Name: "Mechanical Keyboard", PriceCents: 8999, Currency: "EUR", Stock: 100},
	{SKU: "SKU-MOUSE", Name: "Wireless Mouse", PriceCents: 2999, Currency: "EUR", Stock: 100},
	{SKU: "SKU-MONITOR", Name: "27-inch 4K Monitor", PriceCents: 34999, Currency: "EUR", Stock: 100},
	{SKU: "SKU-HEADSET", Name: "Noise-Cancelling Headset", PriceCents: 12999, Currency: "EUR", Stock: 100},
	{SKU: "SKU-WEBCAM", Name: "HD Webcam", PriceCents: 5999, Currency: "EUR", Stock: 100},
	{SKU: "SKU-DOCK", Name: "USB-C Docking Station", PriceCents: 14999, Currency: "EUR", Stock: 100},
}

// Seed inserts the products that are not in the database yet and leaves
// existing ones, with their stock, as they are; running it at every start is
// safe. It returns how many products it inserted.
func Seed(ctx context.Context, pool *pgxpool.Pool, products []SeedProduct) (int64, error) {
	var skus, names, currencies []string
	var prices, stock []int64
	for _, p := range products {
		skus, names, currencies = append(skus, p.SKU), append(names, p.Name), append(currencies, p.Currency)
		prices, stock = append(prices, p.PriceCents), append(stock, p.Stock)
	}
	tag, err := pool.Exec(ctx, `INSERT INTO products (sku, name, price_cents, currency, available)
		SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[])
		ON CONFLICT (sku) DO NOTHING`, skus, names, prices, currencies, stock)
	if err != nil {
		return 0, fmt.Errorf("seed products: %w", err)
	}
	return tag.RowsAffected(), nil
}
