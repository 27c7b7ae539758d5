package e2e_test

import (
	"context"
	"testing"
	"time"
)

// withPaymentStopped runs fn while the payment service is down, so that
// orders stay PENDING with their stock reserved, then starts it again.
func withPaymentStopped(t *testing.T, fn func()) {
	t.Helper()
	p := shop.stack.Procs["payment"]
	p.Stop(context.Background(), 15*time.Second)
	defer func() {
		if err := p.Start(); err != nil {
			t.Fatalf("restart payment: %v", err)
		}
		if err := shop.stack.WaitReady(testContext(t), "payment"); err != nil {
			t.Fatalf("payment after restart: %v", err)
		}
	}()
	fn()
}

func TestCustomerCancelsPendingOrder(t *testing.T) {
	before := stock(t, "SKU-MONITOR")
	var id string
	withPaymentStopped(t, func() {
		o := place(t, shop.alice, "tok_visa", line("SKU-MONITOR", 1))
		id = o.ID
		eventually(t, func() error { return reservedAtLeast("SKU-MONITOR", before.Reserved+1) })
		got, err := shop.alice.Cancel(testContext(t), id)
		if err != nil {
			t.Fatalf("cancel: %v", err)
		}
		if got.Status != "CANCELLED" {
			t.Fatalf("cancelled order status = %s", got.Status)
		}
		if _, err := shop.bob.Cancel(testContext(t), id); !isStatus(err, 404) {
			t.Errorf("bob cancelling alice's order: err = %v, want 404", err)
		}
	})
	if got := waitFinal(t, shop.alice, id); got.Status != "CANCELLED" || got.Reason != "customer" {
		t.Errorf("order = %s (%s), want CANCELLED by the customer", got.Status, got.Reason)
	}
	checkInvariants(t)
	if after := stock(t, "SKU-MONITOR"); after != before {
		t.Errorf("stock not released: %+v -> %+v", before, after)
	}
	if p, ok := payment(t, id); ok && p.Status != "FAILED" && p.Status != "VOIDED" {
		t.Errorf("payment of a cancelled order = %+v", p)
	}
	if _, err := shop.alice.Cancel(testContext(t), id); !isStatus(err, 409) {
		t.Errorf("cancelling a cancelled order: err = %v, want 409", err)
	}
}

func TestSagaTimeoutCancelsAndCompensates(t *testing.T) {
	before := stock(t, "SKU-MOUSE")
	var id string
	withPaymentStopped(t, func() {
		id = place(t, shop.bob, "tok_visa", line("SKU-MOUSE", 2)).ID
		got := waitFinal(t, shop.bob, id)
		if got.Status != "CANCELLED" || got.Reason != "timeout" {
			t.Fatalf("order = %s (%s), want CANCELLED by timeout", got.Status, got.Reason)
		}
	})
	checkInvariants(t)
	if after := stock(t, "SKU-MOUSE"); after != before {
		t.Errorf("stock not released: %+v -> %+v", before, after)
	}
	if p, ok := payment(t, id); ok && p.Status == "CAPTURED" {
		t.Errorf("a timed-out order was captured: %+v", p)
	}
}
