package e2e_test

import (
	"testing"

	"github.com/eventshop/eventshop/tools/client"
	"github.com/eventshop/eventshop/tools/demo"
)

// TestDemoOnSoldOutShop sells every keyboard, then runs make demo's
// scenarios through the gateway: the demo must restock first, as admin,
// and every scenario must end as expected.
func TestDemoOnSoldOutShop(t *testing.T) {
	const sku = "SKU-KEYBOARD"
	if s := stock(t, sku); s.Available > 0 {
		o := place(t, shop.bob, "tok_visa", line(sku, int(s.Available)))
		if got := waitFinal(t, shop.bob, o.ID); got.Status != "CONFIRMED" {
			t.Fatalf("selling out: order %s, want CONFIRMED", got.Status)
		}
	}
	if s := stock(t, sku); s.Available != 0 {
		t.Fatalf("available = %d after selling out, want 0", s.Available)
	}
	rep, err := demo.Run(testContext(t), client.ViaGateway(shop.stack.URL("gateway")), sku)
	shop.baseline[sku] += int64(rep.Restocked) // the stock the invariants expect from now on
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	if rep.Restocked != demo.MinStock {
		t.Errorf("restocked %d, want %d on a sold-out product", rep.Restocked, demo.MinStock)
	}
	if len(rep.Results) != 5 {
		t.Fatalf("%d scenarios played, want 5", len(rep.Results))
	}
	for _, r := range rep.Results {
		if !r.Expected() {
			t.Errorf("%s: order %s ended %s (%s), want %s", r.Scenario, r.OrderID, r.Status, r.Reason, r.Want)
		}
	}
	checkInvariants(t)
}
