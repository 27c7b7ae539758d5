package ports_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/inventory/internal/app/query"
)

var (
	lineA = schemas.Line{SKU: "SKU-A", Quantity: 2, PriceCents: 1500}
	lineB = schemas.Line{SKU: "SKU-B", Quantity: 1, PriceCents: 250}
)

func TestPlacedOrderIsReserved(t *testing.T) {
	t.Parallel()
	for _, typ := range []string{schemas.TypeOrderPlacedV1, schemas.TypeOrderPlacedV2} {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			s := newSaga(t)
			id := newOrderID()
			p := placed(id, lineA, lineB)
			var payload any = p
			if typ == schemas.TypeOrderPlacedV1 {
				payload = schemas.OrderPlacedV1{OrderID: id, CustomerID: p.CustomerID, Items: p.Items,
					TotalCents: p.TotalCents, Currency: p.Currency, PaymentMethod: p.PaymentMethod}
			}
			s.publish(s.newEvent(typ, id, payload), "")

			got := published[schemas.InventoryReservedV1](s, schemas.TypeInventoryReservedV1+"."+id, 1)
			want := []schemas.InventoryReservedV1{{
				OrderID: id, CustomerID: "alice", Items: []schemas.Line{lineA, lineB},
				TotalCents: 3250, Currency: "EUR", PaymentMethod: "tok_visa",
			}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("reserved (-want +got):\n%s", diff)
			}
			changes := published[schemas.InventoryStockChangedV1](s, schemas.TypeInventoryStockChangedV1+".>", 2)
			wantChanges := []schemas.InventoryStockChangedV1{{SKU: "SKU-A", Available: 3}, {SKU: "SKU-B", Available: 1}}
			if diff := cmp.Diff(wantChanges, changes); diff != "" {
				t.Errorf("stock changes (-want +got):\n%s", diff)
			}
			wantStock := map[string]query.StockLevel{
				"SKU-A": {SKU: "SKU-A", Available: 3, Reserved: 2},
				"SKU-B": {SKU: "SKU-B", Available: 1, Reserved: 1},
			}
			if diff := cmp.Diff(wantStock, stockOf(t, s.app)); diff != "" {
				t.Errorf("stock (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOrderThatCannotBeReservedIsRejected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		lines []schemas.Line
		want  schemas.InventoryRejectedV1
	}{
		{
			name:  "insufficient stock",
			lines: []schemas.Line{lineA, {SKU: "SKU-B", Quantity: 3, PriceCents: 250}},
			want:  schemas.InventoryRejectedV1{CustomerID: "alice", Reason: "out_of_stock", SKUs: []string{"SKU-B"}},
		},
		{
			name:  "unknown sku",
			lines: []schemas.Line{lineA, {SKU: "SKU-NOPE", Quantity: 1, PriceCents: 1}},
			want:  schemas.InventoryRejectedV1{CustomerID: "alice", Reason: "unknown_sku", SKUs: []string{"SKU-NOPE"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSaga(t)
			id := newOrderID()
			s.publishAndSettle(s.newEvent(schemas.TypeOrderPlacedV2, id, placed(id, tt.lines...)))

			tt.want.OrderID = id
			got := published[schemas.InventoryRejectedV1](s, schemas.TypeInventoryRejectedV1+"."+id, 1)
			if diff := cmp.Diff([]schemas.InventoryRejectedV1{tt.want}, got); diff != "" {
				t.Errorf("rejected (-want +got):\n%s", diff)
			}
			s.awaitRelayed()
			if msgs, err := s.read("inventory.*.v1.>"); err != nil || len(msgs) != 1 {
				t.Errorf("inventory stream holds %d messages (%v), want only the rejection", len(msgs), err)
			}
			if diff := cmp.Diff(initialStock(), stockOf(t, s.app)); diff != "" {
				t.Errorf("stock (-want +got):\n%s", diff)
			}
		})
	}
}

func initialStock() map[string]query.StockLevel {
	out := map[string]query.StockLevel{}
	for _, p := range catalogue {
		out[p.SKU] = query.StockLevel{SKU: p.SKU, Available: p.Stock}
	}
	return out
}
