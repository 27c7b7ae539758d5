package ports_test

import (
	"context"
	"log/slog"
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

var discard = slog.New(slog.DiscardHandler)

// catalogue is the stock every port test starts with.
var catalogue = []postgres.SeedProduct{
	{SKU: "SKU-A", Name: "Product A", PriceCents: 1500, Currency: "EUR", Stock: 5},
	{SKU: "SKU-B", Name: "Product B", PriceCents: 250, Currency: "EUR", Stock: 2},
}

func newDatabase(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	pool, err := pgdb.Open(ctx, testkit.Postgres(t), migrations.FS)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(pool.Close)
	if _, err := postgres.Seed(ctx, pool, catalogue); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return pool
}

func newApp(pool *pgxpool.Pool) app.Application {
	return app.New(postgres.NewRepository(pool), postgres.NewReadModel(pool))
}

func stockOf(t *testing.T, a app.Application) map[string]query.StockLevel {
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
