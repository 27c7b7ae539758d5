package e2e_test

import (
	"fmt"
	"testing"
)

func TestHappyPathConfirmsCapturesSellsAndNotifies(t *testing.T) {
	before := stock(t, "SKU-KEYBOARD")
	o := place(t, shop.alice, "tok_visa", line("SKU-KEYBOARD", 2), line("SKU-MOUSE", 1))
	if got := waitFinal(t, shop.alice, o.ID); got.Status != "CONFIRMED" {
		t.Fatalf("status = %s (%s), want CONFIRMED", got.Status, got.Reason)
	}
	checkInvariants(t)
	after := stock(t, "SKU-KEYBOARD")
	if after.Sold != before.Sold+2 || after.Available != before.Available-2 || after.Reserved != 0 {
		t.Errorf("keyboard stock %+v -> %+v, want 2 sold", before, after)
	}
	p, ok := payment(t, o.ID)
	if !ok || p.Status != "CAPTURED" || p.AmountCents != o.TotalCents {
		t.Errorf("payment = %+v (found %v), want CAPTURED for %d", p, ok, o.TotalCents)
	}
	eventually(t, func() error {
		if n := notificationsFor(t, shop.alice, o.ID); len(n) != 1 || n[0].Kind != "order.confirmed" {
			return fmt.Errorf("notifications for the order = %+v, want one order.confirmed", n)
		}
		return nil
	})
}

func TestNotEnoughStockRejectsAndChargesNothing(t *testing.T) {
	before := stock(t, "SKU-WEBCAM")
	o := place(t, shop.bob, "tok_visa", line("SKU-WEBCAM", int(before.Available)+1))
	got := waitFinal(t, shop.bob, o.ID)
	if got.Status != "REJECTED" {
		t.Fatalf("status = %s (%s), want REJECTED", got.Status, got.Reason)
	}
	checkInvariants(t)
	if after := stock(t, "SKU-WEBCAM"); after != before {
		t.Errorf("stock changed: %+v -> %+v", before, after)
	}
	if p, ok := payment(t, o.ID); ok {
		t.Errorf("a rejected order has a payment: %+v", p)
	}
}

func TestDeclinedCardCancelsAndReleasesStock(t *testing.T) {
	before := stock(t, "SKU-HEADSET")
	o := place(t, shop.alice, "tok_decline", line("SKU-HEADSET", 3))
	got := waitFinal(t, shop.alice, o.ID)
	if got.Status != "CANCELLED" {
		t.Fatalf("status = %s (%s), want CANCELLED", got.Status, got.Reason)
	}
	checkInvariants(t)
	if after := stock(t, "SKU-HEADSET"); after != before {
		t.Errorf("stock not released: %+v -> %+v", before, after)
	}
	if p, ok := payment(t, o.ID); ok && p.Status == "CAPTURED" {
		t.Errorf("a declined order was captured: %+v", p)
	}
}

func TestProviderTimeoutCancelsAndCompensates(t *testing.T) {
	before := stock(t, "SKU-MONITOR")
	o := place(t, shop.bob, "tok_timeout", line("SKU-MONITOR", 1))
	got := waitFinal(t, shop.bob, o.ID)
	if got.Status != "CANCELLED" {
		t.Fatalf("status = %s (%s), want CANCELLED", got.Status, got.Reason)
	}
	checkInvariants(t)
	if after := stock(t, "SKU-MONITOR"); after != before {
		t.Errorf("stock not released: %+v -> %+v", before, after)
	}
}
