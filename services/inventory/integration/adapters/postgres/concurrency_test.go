package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/inventory/internal/app/query"
)

// TestConcurrentOrdersNeverOversell races more orders than there is stock
// for, with lines in opposite orders so that a repository locking rows in
// line order would deadlock. Exactly the stock is reserved, nothing goes
// negative, and every order is reserved or rejected.
func TestConcurrentOrdersNeverOversell(t *testing.T) {
	t.Parallel()
	const stock, orders = 5, 24
	pool := newDatabase(t, product("A", stock), product("B", stock))
	a := newApp(pool)
	ctx := context.Background()

	var wg sync.WaitGroup
	errs := make(chan error, orders)
	for i := range orders {
		lines := []schemas.Line{{SKU: "A", Quantity: 1}, {SKU: "B", Quantity: 1}}
		if i%2 == 1 {
			lines[0], lines[1] = lines[1], lines[0]
		}
		wg.Go(func() { errs <- a.Commands.ReserveOrder.Handle(ctx, reserve(uuid.NewString(), lines...)) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("reserve: %v", err)
		}
	}

	want := map[string]query.StockLevel{
		"A": {SKU: "A", Available: 0, Reserved: stock},
		"B": {SKU: "B", Available: 0, Reserved: stock},
	}
	if diff := cmp.Diff(want, stockLevels(t, a)); diff != "" {
		t.Errorf("stock (-want +got):\n%s", diff)
	}
	counts := map[string]int{}
	for _, r := range outboxRows(t, pool) {
		counts[r.Type]++
	}
	wantCounts := map[string]int{
		schemas.TypeInventoryReservedV1:     stock,
		schemas.TypeInventoryRejectedV1:     orders - stock,
		schemas.TypeInventoryStockChangedV1: 2 * stock,
	}
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Errorf("events per type (-want +got):\n%s", diff)
	}
}
