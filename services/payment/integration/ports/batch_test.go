package ports_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// TestBatchDecidesWithOneRead checks that the Decide calls of a batch
// read the payments they need with one query in total, and decide as
// they would one by one: new orders are authorised, authorised ones
// captured or voided, and an unknown cancelled order gets a tombstone.
func TestBatchDecidesWithOneRead(t *testing.T) {
	t.Parallel()
	h := newSagaHarness(t)
	a, b, c, unknown := newID(), newID(), newID(), newID()
	errs := h.saga.Reserved(t.Context(), []bus.Message{h.reserved(a, 100), h.reserved(b, 200), h.reserved(c, 300)})
	if errors.Join(errs...) != nil {
		t.Fatalf("reserved: %v", errs)
	}
	if n := h.reads.Count(isDecideRead); n != 1 {
		t.Errorf("payment reads of the reserved batch = %d, want 1", n)
	}
	errs = h.saga.OrderFinal(t.Context(), []bus.Message{
		h.confirmed(a, 100), h.confirmed(b, 200), h.cancelled(c), h.cancelled(unknown)})
	if errors.Join(errs...) != nil {
		t.Fatalf("final: %v", errs)
	}
	if n := h.reads.Count(isDecideRead); n != 2 {
		t.Errorf("payment reads of both batches = %d, want 2", n)
	}
	if got := [2]int32{h.provider.captures.Load(), h.provider.voids.Load()}; got != [2]int32{2, 1} {
		t.Errorf("provider captures, voids = %v, want [2 1]", got)
	}
	got := map[string]domain.Status{}
	for _, id := range []string{a, b, c, unknown} {
		got[id] = h.status(id)
	}
	want := map[string]domain.Status{a: domain.StatusCaptured, b: domain.StatusCaptured,
		c: domain.StatusVoided, unknown: domain.StatusCancelled}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

// TestBatchUnknownAndInvalidOrders checks that read ahead in a batch, an
// order with no payment and an order id that is no UUID are handled as
// one by one: capturing an unknown order is retried, cancelling one leaves
// a tombstone, authorising one calls the provider, and an id that is no
// UUID dead-letters its event without breaking the batch's read.
func TestBatchUnknownAndInvalidOrders(t *testing.T) {
	t.Parallel()
	h := newSagaHarness(t)
	unknown, cancelled, fresh := newID(), newID(), newID()
	errs := h.saga.OrderFinal(t.Context(), []bus.Message{h.confirmed(unknown, 100), h.cancelled(cancelled),
		h.confirmed("not-a-uuid", 100), h.cancelled("not-a-uuid")})
	if len(errs) != 4 {
		t.Fatalf("final: %d results, want 4", len(errs))
	}
	if !errors.Is(errs[0], command.ErrNotFound) || bus.IsPermanent(errs[0]) {
		t.Errorf("confirmed unknown order: err = %v, want ErrNotFound to retry", errs[0])
	}
	if errs[1] != nil {
		t.Errorf("cancelled unknown order: err = %v, want nil", errs[1])
	}
	for _, err := range errs[2:] {
		if !errors.Is(err, event.ErrInvalid) || !bus.IsPermanent(err) {
			t.Errorf("order id no UUID: err = %v, want permanent ErrInvalid", err)
		}
	}
	errs = h.saga.Reserved(t.Context(), []bus.Message{h.reserved(fresh, 100), h.reserved("not-a-uuid", 100)})
	if errs[0] != nil {
		t.Errorf("reserved unknown order: err = %v, want nil", errs[0])
	}
	if !errors.Is(errs[1], event.ErrInvalid) || !bus.IsPermanent(errs[1]) {
		t.Errorf("reserved order id no UUID: err = %v, want permanent ErrInvalid", errs[1])
	}
	got := map[string]domain.Status{unknown: h.status(unknown), cancelled: h.status(cancelled), fresh: h.status(fresh)}
	want := map[string]domain.Status{unknown: "", cancelled: domain.StatusCancelled, fresh: domain.StatusAuthorised}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if n := h.reads.Count(isDecideRead); n != 2 {
		t.Errorf("payment reads = %d, want 2: one per batch", n)
	}
}
