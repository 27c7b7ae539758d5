package ports_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/inventory/internal/app/query"
)

func TestConfirmedAndCancelledOrders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		final     string
		payload   func(id string) any
		wantType  string
		wantStock map[string]query.StockLevel
	}{
		{
			name: "confirmed sells the stock", final: schemas.TypeOrderConfirmedV1,
			payload: func(id string) any {
				return schemas.OrderConfirmedV1{OrderID: id, CustomerID: "alice", Items: []schemas.Line{lineA}, TotalCents: 3000, Currency: "EUR"}
			},
			wantType: schemas.TypeInventoryCommittedV1,
			wantStock: map[string]query.StockLevel{
				"SKU-A": {SKU: "SKU-A", Available: 3, Sold: 2}, "SKU-B": {SKU: "SKU-B", Available: 2},
			},
		},
		{
			name: "cancelled releases the stock", final: schemas.TypeOrderCancelledV1,
			payload: func(id string) any {
				return schemas.OrderCancelledV1{OrderID: id, CustomerID: "alice", Reason: "payment_failed"}
			},
			wantType:  schemas.TypeInventoryReleasedV1,
			wantStock: initialStock(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSaga(t)
			id := newOrderID()
			s.publish(s.newEvent(schemas.TypeOrderPlacedV2, id, placed(id, lineA)), "")
			s.publish(s.newEvent(tt.final, id, tt.payload(id)), "")

			got := published[struct {
				OrderID string         `json:"order_id"`
				Items   []schemas.Line `json:"items"`
			}](s, tt.wantType+"."+id, 1)
			if len(got) != 1 || got[0].OrderID != id || !cmp.Equal(got[0].Items, []schemas.Line{{SKU: "SKU-A", Quantity: 2}}) {
				t.Errorf("%s = %+v, want one for %s with SKU-A x2", tt.wantType, got, id)
			}
			if diff := cmp.Diff(tt.wantStock, stockOf(t, s.app)); diff != "" {
				t.Errorf("stock (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCancelBeforePlacedReservesNothing delivers an order's cancel before
// the order itself: the tombstone makes the late placed event a no-op.
func TestCancelBeforePlacedReservesNothing(t *testing.T) {
	t.Parallel()
	s := newSaga(t)
	id := newOrderID()
	s.publishAndSettle(s.newEvent(schemas.TypeOrderCancelledV1, id,
		schemas.OrderCancelledV1{OrderID: id, CustomerID: "alice", Reason: "timeout"}))
	s.publishAndSettle(s.newEvent(schemas.TypeOrderPlacedV2, id, placed(id, lineA)))
	s.awaitRelayed()

	if msgs, err := s.read("inventory.*.v1." + id); err != nil || len(msgs) != 0 {
		t.Errorf("inventory published %d events for the order (%v), want none", len(msgs), err)
	}
	if diff := cmp.Diff(initialStock(), stockOf(t, s.app)); diff != "" {
		t.Errorf("stock (-want +got):\n%s", diff)
	}
}

// TestDuplicateDeliveryHasNoSecondEffect publishes one event twice under
// different Nats-Msg-Ids, so JetStream keeps both and the consumer gets both.
func TestDuplicateDeliveryHasNoSecondEffect(t *testing.T) {
	t.Parallel()
	s := newSaga(t)
	id := newOrderID()
	ev := s.newEvent(schemas.TypeOrderPlacedV2, id, placed(id, lineA))
	first := s.publish(ev, "first-"+ev.ID)
	second := s.publish(ev, "second-"+ev.ID)
	if second == first {
		t.Fatalf("JetStream deduplicated the second publish; the test needs two messages")
	}
	s.awaitAcked(second)
	s.awaitRelayed()

	if msgs, err := s.read(schemas.TypeInventoryReservedV1 + "." + id); err != nil || len(msgs) != 1 {
		t.Errorf("reserved events = %d (%v), want 1", len(msgs), err)
	}
	want := map[string]query.StockLevel{
		"SKU-A": {SKU: "SKU-A", Available: 3, Reserved: 2}, "SKU-B": {SKU: "SKU-B", Available: 2},
	}
	if diff := cmp.Diff(want, stockOf(t, s.app)); diff != "" {
		t.Errorf("stock (-want +got):\n%s", diff)
	}
}
