package e2e_test

import (
	"github.com/eventshop/eventshop/tools/client"
	"sync"
	"testing"
)

// TestLastFiveUnitsGoToExactlyFiveOrders races twenty one-unit orders for
// the last five units of a product.
func TestLastFiveUnitsGoToExactlyFiveOrders(t *testing.T) {
	const sku, left, racers = "SKU-DOCK", 5, 20
	s := stock(t, sku)
	switch {
	case s.Available > left:
		o := place(t, shop.bob, "tok_visa", line(sku, int(s.Available-left)))
		if got := waitFinal(t, shop.bob, o.ID); got.Status != "CONFIRMED" {
			t.Fatalf("draining order = %s, want CONFIRMED", got.Status)
		}
	case s.Available < left: // a run before this one sold them
		more := left - int(s.Available)
		if err := shop.admin.Restock(testContext(t), sku, more); err != nil {
			t.Fatalf("restock %s: %v", sku, err)
		}
		shop.baseline[sku] += int64(more)
	}
	if s = stock(t, sku); s.Available != left {
		t.Fatalf("available = %d, want %d before the race", s.Available, left)
	}
	ids := make([]string, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			o, err := shop.alice.PlaceOrder(testContext(t), []client.Line{line(sku, 1)}, "tok_visa", "")
			if err != nil {
				t.Errorf("place: %v", err)
				return
			}
			ids[i] = o.ID
		})
	}
	wg.Wait()
	counts := map[string]int{}
	for _, id := range ids {
		if id != "" {
			counts[waitFinal(t, shop.alice, id).Status]++
		}
	}
	if counts["CONFIRMED"] != left || counts["REJECTED"] != racers-left {
		t.Errorf("outcomes = %v, want %d CONFIRMED and %d REJECTED", counts, left, racers-left)
	}
	checkInvariants(t)
	if s := stock(t, sku); s.Available != 0 || s.Reserved != 0 {
		t.Errorf("stock after the race = %+v, want nothing available or reserved", s)
	}
}
