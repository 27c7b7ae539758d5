package postgres_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/services/inventory/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/inventory/internal/app/command"
	"github.com/eventshop/eventshop/services/inventory/internal/app/query"
)

func TestProductsFilter(t *testing.T) {
	t.Parallel()
	pool := newDatabase(t, product("A", 1), product("B", 2), product("C", 3))
	a := newApp(pool)
	tests := []struct {
		name string
		skus []string
		want []string
	}{
		{name: "all", want: []string{"A", "B", "C"}},
		{name: "some, sorted", skus: []string{"C", "A"}, want: []string{"A", "C"}},
		{name: "unknown left out", skus: []string{"B", "Z"}, want: []string{"B"}},
		{name: "only unknown", skus: []string{"Z"}, want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ps, err := a.Queries.Products.Handle(context.Background(), query.Products{SKUs: tt.skus})
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, p := range ps {
				got = append(got, p.SKU)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SKUs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSeedIsIdempotent checks that seeding again inserts nothing and keeps
// the stock that changed since.
func TestSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newDatabase(t)
	a := newApp(pool)
	n, err := postgres.Seed(ctx, pool, postgres.Catalogue)
	if err != nil || n != int64(len(postgres.Catalogue)) {
		t.Fatalf("first seed = %d, %v; want %d", n, err, len(postgres.Catalogue))
	}
	sku := postgres.Catalogue[0].SKU
	if err := a.Commands.Restock.Handle(ctx, command.Restock{SKU: sku, Quantity: 3}); err != nil {
		t.Fatal(err)
	}
	if n, err := postgres.Seed(ctx, pool, postgres.Catalogue); err != nil || n != 0 {
		t.Fatalf("second seed = %d, %v; want 0", n, err)
	}
	p, err := a.Queries.Product.Handle(ctx, query.ProductBySKU{SKU: sku})
	if err != nil {
		t.Fatal(err)
	}
	want := query.Product{
		SKU: sku, Name: postgres.Catalogue[0].Name, PriceCents: postgres.Catalogue[0].PriceCents,
		Currency: "EUR", Available: postgres.Catalogue[0].Stock + 3,
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("product (-want +got):\n%s", diff)
	}
}
