package ports_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/pkg/tracing"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/testkit"
)

type timelineEvent struct {
	ID      string    `json:"id"`
	Type    string    `json:"type"`
	Source  string    `json:"source"`
	Time    time.Time `json:"time"`
	TraceID string    `json:"trace_id"`
}

type timeline struct {
	Events []timelineEvent `json:"events"`
}

func TestTimelineMergesStreamsInTimeOrder(t *testing.T) {
	t.Parallel()
	e := newSagaEnv(t)
	p := e.place(t, "alice")
	other := uuid.NewString()
	reserved := newEvent(t, "inventory", schemas.TypeInventoryReservedV1, p.ID, schemas.InventoryReservedV1{
		OrderID: p.ID, CustomerID: "alice", Items: []schemas.Line{{SKU: "SKU-A", Quantity: 2}},
		TotalCents: 450, Currency: "EUR", PaymentMethod: "tok_visa",
	})
	elsewhere := newEvent(t, "inventory", schemas.TypeInventoryRejectedV1, other,
		schemas.InventoryRejectedV1{OrderID: other, CustomerID: "bob", Reason: "out_of_stock"})
	stock := newEvent(t, "inventory", schemas.TypeInventoryStockChangedV1, "SKU-A",
		schemas.InventoryStockChangedV1{SKU: "SKU-A", Available: 7})
	authorised := newEvent(t, "payment", schemas.TypePaymentAuthorisedV1, p.ID,
		schemas.PaymentAuthorisedV1{OrderID: p.ID, PaymentID: "pay-1", AmountCents: 450, Currency: "EUR"})
	// Published out of time order and across streams: the timeline sorts.
	if err := e.bus.Publish(context.Background(), authorised, elsewhere, stock, reserved); err != nil {
		t.Fatal(err)
	}
	want := []string{schemas.TypeOrderPlacedV2, schemas.TypeInventoryReservedV1,
		schemas.TypePaymentAuthorisedV1, schemas.TypeOrderConfirmedV1}
	var got timeline
	testkit.Eventually(t, 10*time.Second, func() bool {
		r := e.do(t, "alice", http.MethodGet, "/api/v1/orders/"+p.ID+"/timeline", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("timeline: %d %s", r.Status, r.Body)
		}
		got = timeline{}
		r.decode(t, &got)
		return len(got.Events) == len(want)
	}, "timeline has every event of the order")
	var types []string
	for _, ev := range got.Events {
		types = append(types, ev.Type)
	}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("types (-want +got):\n%s", diff)
	}
	if !slices.IsSortedFunc(got.Events, func(a, b timelineEvent) int {
		return a.Time.Compare(b.Time)
	}) {
		t.Errorf("events not in time order: %+v", got.Events)
	}
	if ev := got.Events[2]; ev.ID != authorised.ID || ev.Source != "payment" || ev.TraceID != tracing.TraceID(authorised.TraceParent) {
		t.Errorf("payment event = %+v", ev)
	}
	if r := e.do(t, "admin", http.MethodGet, "/api/v1/orders/"+p.ID+"/timeline", nil); r.Status != http.StatusOK {
		t.Errorf("admin timeline: %d", r.Status)
	}
	// Reading leaves no consumer behind on a stream no service consumes.
	stream, err := e.bus.JetStream().Stream(context.Background(), "ORDER")
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		info, err := stream.Info(context.Background())
		return err == nil && info.State.Consumers == 0
	}, "timeline consumers deleted")
}
