package service_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/payment/internal/ports"
	"github.com/eventshop/eventshop/services/provider/simulator"
)

func TestReservedIsAuthorisedOrFails(t *testing.T) {
	t.Parallel()
	h := start(t)
	tests := []struct {
		token      string
		wantType   string
		wantReason string
		wantStatus string
	}{
		{simulator.TokenVisa, schemas.TypePaymentAuthorisedV1, "", "AUTHORISED"},
		{simulator.TokenDecline, schemas.TypePaymentFailedV1, "card_declined", "FAILED"},
		{simulator.TokenTimeout, schemas.TypePaymentFailedV1, "provider_timeout", "FAILED"},
	}
	ids := make([]string, len(tests))
	for i, tt := range tests {
		ids[i] = newOrderID(t)
		h.reserved(ids[i], tt.token, 2500)
	}
	for i, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			got := h.waitEvent(ids[i], tt.wantType)
			if got["order_id"] != ids[i] || (tt.wantReason != "" && got["reason"] != tt.wantReason) {
				t.Errorf("%s payload = %v, want reason %q", tt.wantType, got, tt.wantReason)
			}
			if tt.wantType == schemas.TypePaymentAuthorisedV1 && got["amount_cents"] != 2500.0 {
				t.Errorf("amount = %v, want 2500", got["amount_cents"])
			}
		})
	}
	want := []payment{
		{OrderID: ids[2], Status: "FAILED", AmountCents: 2500},
		{OrderID: ids[1], Status: "FAILED", AmountCents: 2500},
		{OrderID: ids[0], Status: "AUTHORISED", AmountCents: 2500},
	}
	got := h.payments("")
	if diff := cmp.Diff(want, got, sortedByOrder()); diff != "" {
		t.Errorf("admin payments (-want +got):\n%s", diff)
	}
	if got := h.payments("?status=AUTHORISED"); len(got) != 1 || got[0].OrderID != ids[0] {
		t.Errorf("authorised payments = %+v, want only %s", got, ids[0])
	}
}

func TestConfirmedIsCapturedOnce(t *testing.T) {
	t.Parallel()
	h := start(t)
	id := newOrderID(t)
	h.reserved(id, simulator.TokenVisa, 1999)
	h.waitEvent(id, schemas.TypePaymentAuthorisedV1)
	h.confirmed(id, 1999)
	h.confirmed(id, 1999) // a second confirmation (another event id) must change nothing
	captured := h.waitEvent(id, schemas.TypePaymentCapturedV1)
	h.settled("ORDER", ports.OrderConsumer)
	if n := h.events(id)[schemas.TypePaymentCapturedV1]; n != 1 {
		t.Errorf("payment.captured events = %d, want 1", n)
	}
	if captured["amount_cents"] != 1999.0 {
		t.Errorf("captured amount = %v, want 1999", captured["amount_cents"])
	}
	auths := h.sim.Authorizations()
	if len(auths) != 1 || auths[0].Captures != 1 || auths[0].CapturedAmountCents != 1999 {
		t.Errorf("provider = %+v, want one authorisation captured once for 1999", auths)
	}
	if got := h.payments("?status=CAPTURED"); len(got) != 1 || got[0].OrderID != id {
		t.Errorf("captured payments = %+v, want %s", got, id)
	}
}

func TestCancelledAfterAuthorisationIsVoided(t *testing.T) {
	t.Parallel()
	h := start(t)
	id := newOrderID(t)
	h.reserved(id, simulator.TokenVisa, 500)
	h.waitEvent(id, schemas.TypePaymentAuthorisedV1)
	h.cancelled(id, "timeout")
	h.waitEvent(id, schemas.TypePaymentVoidedV1)
	if got := h.sim.Authorizations(); len(got) != 1 || got[0].Status != simulator.StatusVoided {
		t.Errorf("provider = %+v, want one voided authorisation", got)
	}
	if got := h.payments(""); len(got) != 1 || got[0].Status != "VOIDED" {
		t.Errorf("payments = %+v, want one VOIDED", got)
	}
}

func TestCancelledBeforeReservedIsNeverAuthorised(t *testing.T) {
	t.Parallel()
	h := start(t)
	id := newOrderID(t)
	h.cancelled(id, "customer")
	h.settled("ORDER", ports.OrderConsumer)
	if got := h.payments("?status=CANCELLED"); len(got) != 1 || got[0].OrderID != id {
		t.Fatalf("tombstones = %+v, want %s", got, id)
	}
	h.reserved(id, simulator.TokenVisa, 700)
	failed := h.waitEvent(id, schemas.TypePaymentFailedV1)
	if failed["reason"] != "order_cancelled" {
		t.Errorf("reason = %v, want order_cancelled", failed["reason"])
	}
	if n := h.events(id)[schemas.TypePaymentAuthorisedV1]; n != 0 {
		t.Errorf("payment.authorised events = %d, want 0", n)
	}
	if got := h.sim.Authorizations(); len(got) != 0 {
		t.Errorf("provider authorisations = %+v, want none", got)
	}
	if got := h.payments(""); len(got) != 0 {
		t.Errorf("payments without filter = %+v, want tombstones hidden", got)
	}
}

func TestFailedPaymentIgnoresCancel(t *testing.T) {
	t.Parallel()
	h := start(t)
	id := newOrderID(t)
	h.reserved(id, simulator.TokenDecline, 300)
	h.waitEvent(id, schemas.TypePaymentFailedV1)
	h.cancelled(id, "payment_failed")
	h.settled("ORDER", ports.OrderConsumer)
	want := map[string]uint64{schemas.TypePaymentFailedV1: 1}
	if diff := cmp.Diff(want, h.events(id)); diff != "" {
		t.Errorf("payment events (-want +got):\n%s", diff)
	}
}

func TestBatchOfReservations(t *testing.T) {
	t.Parallel()
	h := start(t)
	ids := make([]string, 12)
	for i := range ids {
		ids[i] = newOrderID(t)
		h.reserved(ids[i], simulator.TokenVisa, int64(100+i))
	}
	for _, id := range ids {
		h.waitEvent(id, schemas.TypePaymentAuthorisedV1)
	}
	if got := len(h.sim.Authorizations()); got != len(ids) {
		t.Errorf("provider authorisations = %d, want %d", got, len(ids))
	}
}

func TestAdminRoutes(t *testing.T) {
	t.Parallel()
	h := start(t)
	tests := []struct {
		path, user string
		want       int
	}{
		{"/api/v1/admin/payments", "admin", http.StatusOK},
		{"/api/v1/admin/payments", "alice", http.StatusForbidden},
		{"/api/v1/admin/payments", "", http.StatusUnauthorized},
		{"/api/v1/admin/payments?status=PAID", "admin", http.StatusBadRequest},
		{"/api/v1/admin/payments?limit=0", "admin", http.StatusBadRequest},
		{"/internal/breakers", "", http.StatusOK},
		{"/readyz", "", http.StatusOK},
	}
	for _, tt := range tests {
		if got := h.get(tt.path, tt.user, nil); got != tt.want {
			t.Errorf("GET %s as %q = %d, want %d", tt.path, tt.user, got, tt.want)
		}
	}
	var breakers struct {
		Items []map[string]string `json:"items"`
	}
	h.get("/internal/breakers", "", &breakers)
	want := []map[string]string{{"name": "payment-provider", "state": "closed"}}
	if diff := cmp.Diff(want, breakers.Items); diff != "" {
		t.Errorf("breakers (-want +got):\n%s", diff)
	}
}
