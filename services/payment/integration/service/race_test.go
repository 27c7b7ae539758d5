package service_test

import (
	"testing"
	"time"

	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/payment/internal/service"
	"github.com/eventshop/eventshop/services/provider/simulator"
	"github.com/eventshop/eventshop/testkit"
)

// An order cancelled while the provider is authorising it: the tombstone
// wins, the order gets payment.failed, and the authorisation the provider
// made anyway is voided rather than left behind.
func TestCancelDuringAuthorisationVoidsIt(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	h := startGated(t, gate, func(c *service.Config) { c.ProviderTimeout = time.Minute })
	id := newOrderID(t)
	h.reserved(id, simulator.TokenVisa, 1500)
	// The cancel must reach payment while the provider holds the
	// authorisation, not before payment asked for it.
	testkit.Eventually(t, waitFor, func() bool { return h.held.Load() == 1 }, "authorisation of %s never reached the provider", id)
	h.cancelled(id, "timeout")
	testkit.Eventually(t, waitFor, func() bool { return len(h.payments("?status=CANCELLED")) == 1 },
		"no tombstone for %s", id)
	close(gate)
	if got := h.waitEvent(id, schemas.TypePaymentFailedV1); got["reason"] != "order_cancelled" {
		t.Fatalf("reason = %v, want order_cancelled", got["reason"])
	}
	testkit.Eventually(t, waitFor, func() bool {
		auths := h.sim.Authorizations()
		return len(auths) == 1 && auths[0].Status == simulator.StatusVoided
	}, "the authorisation made for the cancelled order was not voided: %+v", h.sim.Authorizations())
	if n := h.events(id)[schemas.TypePaymentAuthorisedV1]; n != 0 {
		t.Errorf("payment.authorised events = %d, want 0", n)
	}
}
