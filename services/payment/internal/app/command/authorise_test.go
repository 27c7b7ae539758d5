package command_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

const orderID = "01900000-0000-7000-8000-000000000001"

// must returns a payment built from valid fixed inputs.
func must(p domain.Payment, err error) domain.Payment {
	if err != nil {
		panic(err) // the fixtures are constants; a failure is a bug in the test
	}
	return p
}

func TestAuthorise(t *testing.T) {
	t.Parallel()
	cmd := command.Authorise{OrderID: orderID, AmountCents: 900, Currency: "EUR", CardToken: "tok_visa"}
	tests := []struct {
		name       string
		authErr    error
		wantStatus domain.Status
		wantReason string
	}{
		{"authorised", nil, domain.StatusAuthorised, ""},
		{"declined", command.ErrDeclined, domain.StatusFailed, domain.ReasonCardDeclined},
		{"rejected token", command.ErrProviderRejected, domain.StatusFailed, domain.ReasonCardDeclined},
		{"timed out", fmt.Errorf("wrapped: %w", command.ErrProviderTimeout), domain.StatusFailed, domain.ReasonProviderTimeout},
		{"unavailable", command.ErrProviderUnavailable, domain.StatusFailed, domain.ReasonProviderUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, prov := newStore(), &provider{authErr: tt.authErr}
			a := command.AuthoriseHandler{Payments: s, Provider: prov, Now: clock}
			d, err := a.Decide(t.Context(), cmd)
			if err != nil {
				t.Fatalf("decide: %v", err)
			}
			if orphan, err := a.Record(t.Context(), s, cmd, d); err != nil || orphan != "" {
				t.Fatalf("record = %q, %v", orphan, err)
			}
			p, _ := s.Get(t.Context(), orderID)
			if p.Status() != tt.wantStatus || p.Reason() != tt.wantReason {
				t.Errorf("payment = %s %q, want %s %q", p.Status(), p.Reason(), tt.wantStatus, tt.wantReason)
			}
			wantType := schemas.TypePaymentAuthorisedV1
			if tt.wantStatus == domain.StatusFailed {
				wantType = schemas.TypePaymentFailedV1
			}
			if diff := cmp.Diff([]string{wantType}, s.types()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuthoriseCancelledCallIsRetried(t *testing.T) {
	t.Parallel()
	s := newStore()
	a := command.AuthoriseHandler{Payments: s, Provider: &provider{authErr: context.Canceled}, Now: clock}
	_, err := a.Decide(t.Context(), command.Authorise{OrderID: orderID, AmountCents: 1, Currency: "EUR"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled (no decision)", err)
	}
}

func TestAuthoriseKnownOrderSkipsProvider(t *testing.T) {
	t.Parallel()
	cmd := command.Authorise{OrderID: orderID, AmountCents: 900, Currency: "EUR", CardToken: "tok_visa"}
	tests := []struct {
		name      string
		existing  domain.Payment
		wantTypes []string
	}{
		{"already authorised", must(domain.Authorised(orderID, "auth_0", 900, "EUR", clock())), []string{}},
		{"tombstone", must(domain.Tombstone(orderID, clock())), []string{schemas.TypePaymentFailedV1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, prov := newStore(tt.existing), &provider{}
			a := command.AuthoriseHandler{Payments: s, Provider: prov, Now: clock}
			d, err := a.Decide(t.Context(), cmd)
			if err != nil {
				t.Fatal(err)
			}
			if orphan, err := a.Record(t.Context(), s, cmd, d); err != nil || orphan != "" {
				t.Fatalf("record = %q, %v", orphan, err)
			}
			if prov.authorise != 0 {
				t.Errorf("provider called %d times, want 0", prov.authorise)
			}
			if diff := cmp.Diff(tt.wantTypes, s.types()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// An order cancelled while the provider was authorising: the tombstone wins
// and the authorisation is handed back to be voided.
func TestAuthoriseRacingCancel(t *testing.T) {
	t.Parallel()
	cmd := command.Authorise{OrderID: orderID, AmountCents: 900, Currency: "EUR", CardToken: "tok_visa"}
	s := newStore()
	a := command.AuthoriseHandler{Payments: s, Provider: &provider{}, Now: clock}
	d, err := a.Decide(t.Context(), cmd)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(t.Context(), must(domain.Tombstone(orderID, clock()))); err != nil {
		t.Fatal(err)
	}
	orphan, err := a.Record(t.Context(), s, cmd, d)
	if err != nil || orphan != "auth_1" {
		t.Fatalf("record = %q, %v; want auth_1 to void", orphan, err)
	}
	if p, _ := s.Get(t.Context(), orderID); p.Status() != domain.StatusCancelled || !p.VoidPending() || p.AuthID() != "auth_1" {
		t.Errorf("payment = %+v, want the tombstone holding auth_1 until voided", p.Snapshot())
	}
	if diff := cmp.Diff([]string{schemas.TypePaymentFailedV1}, s.types()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestVoidOrphans(t *testing.T) {
	t.Parallel()
	tomb := must(domain.Tombstone(orderID, clock()))
	if err := tomb.HoldOrphan("auth_1", clock()); err != nil {
		t.Fatal(err)
	}
	s, prov := newStore(tomb), &provider{opErr: command.ErrProviderUnavailable}
	v := command.VoidOrphansHandler{Payments: s, Transactions: s, Provider: prov, Now: clock}
	if n, err := v.Handle(t.Context(), 10); n != 0 || !errors.Is(err, command.ErrProviderUnavailable) {
		t.Fatalf("sweep with provider down = %d, %v", n, err)
	}
	if p, _ := s.Get(t.Context(), orderID); !p.VoidPending() {
		t.Fatal("pending void lost after a failed void")
	}
	prov.opErr = nil
	if n, err := v.Handle(t.Context(), 10); n != 1 || err != nil {
		t.Fatalf("sweep = %d, %v; want 1 voided", n, err)
	}
	if p, _ := s.Get(t.Context(), orderID); p.VoidPending() || p.Status() != domain.StatusCancelled {
		t.Errorf("tombstone = %+v, want CANCELLED without a pending void", p.Snapshot())
	}
	if n, _ := v.Handle(t.Context(), 10); n != 0 || prov.voids != 2 {
		t.Errorf("third sweep voided %d (provider voids %d), want nothing more", n, prov.voids)
	}
}

// The tombstone commits after Record looked and before it inserted: the
// insert conflicts, and the authorisation is still held for voiding.
func TestAuthoriseInsertRacingCancel(t *testing.T) {
	t.Parallel()
	cmd := command.Authorise{OrderID: orderID, AmountCents: 900, Currency: "EUR", CardToken: "tok_visa"}
	s := newStore()
	a := command.AuthoriseHandler{Payments: s, Provider: &provider{}, Now: clock}
	d, err := a.Decide(t.Context(), cmd)
	if err != nil {
		t.Fatal(err)
	}
	s.beforeInsert = func() {
		if err := s.Insert(t.Context(), must(domain.Tombstone(orderID, clock()))); err != nil {
			t.Error(err)
		}
	}
	orphan, err := a.Record(t.Context(), s, cmd, d)
	if err != nil || orphan != "auth_1" {
		t.Fatalf("record = %q, %v; want auth_1 to void", orphan, err)
	}
	if p, _ := s.Get(t.Context(), orderID); !p.VoidPending() || p.AuthID() != "auth_1" {
		t.Errorf("payment = %+v, want the tombstone holding auth_1", p.Snapshot())
	}
	if diff := cmp.Diff([]string{schemas.TypePaymentFailedV1}, s.types()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
