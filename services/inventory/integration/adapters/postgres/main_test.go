package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/services/inventory/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/inventory/internal/app"
	"github.com/eventshop/eventshop/services/inventory/internal/app/query"
	"github.com/eventshop/eventshop/services/inventory/migrations"
	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// newDatabase returns a pool on a fresh, migrated database holding products.
func newDatabase(t *testing.T, products ...postgres.SeedProduct) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	pool, err := pgdb.Open(ctx, testkit.Postgres(t), migrations.FS)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(pool.Close)
	if _, err := postgres.Seed(ctx, pool, products); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return pool
}

func newApp(pool *pgxpool.Pool) app.Application {
	return app.New(postgres.NewRepository(pool), postgres.NewReadModel(pool))
}

func product(sku string, stock int64) postgres.SeedProduct {
	return postgres.SeedProduct{SKU: sku, Name: "Product " + sku, PriceCents: 1000, Currency: "EUR", Stock: stock}
}

func stockLevels(t *testing.T, a app.Application) map[string]query.StockLevel {
	t.Helper()
	levels, err := a.Queries.StockLevels.Handle(context.Background(), query.StockLevels{})
	if err != nil {
		t.Fatalf("stock levels: %v", err)
	}
	out := make(map[string]query.StockLevel, len(levels))
	for _, l := range levels {
		out[l.SKU] = l
	}
	return out
}

// outboxRow is an event the repository wrote to the outbox.
type outboxRow struct {
	Type        string
	AggregateID string
}

func outboxRows(t *testing.T, pool *pgxpool.Pool) []outboxRow {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT type, aggregate_id FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatalf("query outbox: %v", err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.Type, &r.AggregateID); err != nil {
			t.Fatalf("scan outbox: %v", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read outbox: %v", err)
	}
	return out
}

func reservationState(t *testing.T, pool *pgxpool.Pool, orderID string) string {
	t.Helper()
	var state string
	err := pool.QueryRow(context.Background(), `SELECT state FROM reservations WHERE order_id = $1`, orderID).Scan(&state)
	if err != nil {
		t.Fatalf("reservation %s: %v", orderID, err)
	}
	return state
}
