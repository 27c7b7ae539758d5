package e2e_test

import (
	"fmt"
	"slices"
	"testing"
)

// TestTimelineFollowsTheSagaInOneTrace checks that a confirmed order's
// timeline holds every step of its saga across the services, in order, all
// in the trace its placement started.
func TestTimelineFollowsTheSagaInOneTrace(t *testing.T) {
	o := place(t, shop.alice, "tok_visa", line("SKU-MOUSE", 1))
	if got := waitFinal(t, shop.alice, o.ID); got.Status != "CONFIRMED" {
		t.Fatalf("status = %s, want CONFIRMED", got.Status)
	}
	want := []string{"order.placed.v2", "inventory.reserved.v1", "payment.authorised.v1", "order.confirmed.v1",
		"inventory.committed.v1", "payment.captured.v1", "notification.sent.v1"}
	eventually(t, func() error {
		events, err := shop.alice.Timeline(testContext(t), o.ID)
		if err != nil {
			return err
		}
		var types []string
		for _, e := range events {
			types = append(types, e.Type)
			if e.TraceID == "" || e.TraceID != events[0].TraceID {
				return fmt.Errorf("%s has trace %q, the placement %q", e.Type, e.TraceID, events[0].TraceID)
			}
		}
		for _, w := range want {
			if !slices.Contains(types, w) {
				return fmt.Errorf("timeline %v lacks %s", types, w)
			}
		}
		if types[0] != "order.placed.v2" || !before(types, "inventory.reserved.v1", "payment.authorised.v1") ||
			!before(types, "payment.authorised.v1", "order.confirmed.v1") {
			return fmt.Errorf("timeline out of saga order: %v", types)
		}
		return nil
	})
}

func before(types []string, a, b string) bool {
	return slices.Index(types, a) < slices.Index(types, b)
}
