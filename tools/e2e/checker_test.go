package e2e_test

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"testing"

	"github.com/eventshop/eventshop/tools/invariants"
)

// TestInvariantCheckerCatchesCorruption corrupts each store in turn and
// checks that the checker names the broken invariant, then repairs it.
func TestInvariantCheckerCatchesCorruption(t *testing.T) {
	o := place(t, shop.alice, "tok_visa", line("SKU-WEBCAM", 1))
	if got := waitFinal(t, shop.alice, o.ID); got.Status != "CONFIRMED" {
		t.Fatalf("status = %s, want CONFIRMED", got.Status)
	}
	checkInvariants(t)
	tests := []struct {
		name, rule    string
		corrupt, undo func(t *testing.T)
	}{
		{"stock sold without an order", "sold_matches_confirmed",
			exec(shop.sources.Inventory, `UPDATE products SET sold = sold + 1, available = available - 1 WHERE sku = 'SKU-WEBCAM'`),
			exec(shop.sources.Inventory, `UPDATE products SET sold = sold - 1, available = available + 1 WHERE sku = 'SKU-WEBCAM'`)},
		{"stock appearing from nowhere", "stock_conserved",
			exec(shop.sources.Inventory, `UPDATE products SET available = available + 7 WHERE sku = 'SKU-WEBCAM'`),
			exec(shop.sources.Inventory, `UPDATE products SET available = available - 7 WHERE sku = 'SKU-WEBCAM'`)},
		{"confirmed order not captured", "confirmed_captured",
			exec(shop.sources.Payment, `UPDATE payments SET status = 'AUTHORISED' WHERE order_id::text = '`+o.ID+`'`),
			exec(shop.sources.Payment, `UPDATE payments SET status = 'CAPTURED' WHERE order_id::text = '`+o.ID+`'`)},
		{"order left pending", "order_final",
			exec(shop.sources.Order, `UPDATE orders SET status = 'PENDING' WHERE id = '`+o.ID+`'`),
			exec(shop.sources.Order, `UPDATE orders SET status = 'CONFIRMED' WHERE id = '`+o.ID+`'`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.corrupt(t)
			defer tc.undo(t)
			r, err := invariants.Check(testContext(t), shop.sources, invariants.Options{Baseline: shop.baseline})
			if err != nil {
				t.Fatal(err)
			}
			if !hasRule(r, tc.rule) {
				t.Errorf("report has no %s violation: %s", tc.rule, r)
			}
		})
	}
	checkInvariants(t)
}

func hasRule(r invariants.Report, rule string) bool {
	for _, v := range r.Violations {
		if v.Rule == rule {
			return true
		}
	}
	return false
}

func exec(db *pgxpool.Pool, sql string) func(t *testing.T) {
	return func(t *testing.T) {
		t.Helper()
		if _, err := db.Exec(testContext(t), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}
