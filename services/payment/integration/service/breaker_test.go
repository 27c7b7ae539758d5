package service_test

import (
	"strings"
	"testing"

	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/payment/internal/service"
	"github.com/eventshop/eventshop/services/provider/simulator"
)

// Not parallel: the breaker gauge is process-wide, and another service
// starting meanwhile would set it back to closed.
func TestProviderOutageOpensBreaker(t *testing.T) {
	h := start(t, func(c *service.Config) { c.BreakerTripAfter = 2 })
	if err := h.sim.SetFaults(simulator.Faults{FailureRate: 1}); err != nil {
		t.Fatal(err)
	}
	first := newOrderID(t)
	h.reserved(first, simulator.TokenVisa, 800)
	if got := h.waitEvent(first, schemas.TypePaymentFailedV1); got["reason"] != "provider_unavailable" {
		t.Fatalf("reason = %v, want provider_unavailable", got["reason"])
	}
	var breakers struct {
		Items []map[string]string `json:"items"`
	}
	h.get("/internal/breakers", "", &breakers)
	if len(breakers.Items) != 1 || breakers.Items[0]["state"] != "open" {
		t.Fatalf("breakers = %v, want the provider's open", breakers.Items)
	}
	if m := h.text("/metrics"); !strings.Contains(m, `eventshop_breaker_state{breaker="payment-provider",service="payment"} 2`) {
		t.Errorf("/metrics lacks the open breaker state")
	}
	if err := h.sim.SetFaults(simulator.Faults{}); err != nil {
		t.Fatal(err)
	}
	second := newOrderID(t)
	h.reserved(second, simulator.TokenVisa, 800)
	if got := h.waitEvent(second, schemas.TypePaymentFailedV1); got["reason"] != "provider_unavailable" {
		t.Fatalf("reason = %v, want provider_unavailable while the breaker is open", got["reason"])
	}
	if got := len(h.sim.Authorizations()); got != 0 {
		t.Errorf("provider authorizations = %d, want 0", got)
	}
}
