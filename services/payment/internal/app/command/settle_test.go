package command_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

func authorised() domain.Payment {
	return must(domain.Authorised(orderID, "auth_1", 900, "EUR", clock()))
}

func withStatus(st domain.Status) domain.Payment {
	s := authorised().Snapshot()
	s.Status = st
	return domain.FromSnapshot(s)
}

func TestCapture(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		existing     []domain.Payment
		amount       int64
		opErr        error
		wantDecide   error
		wantRecord   error
		wantStatus   domain.Status
		wantCaptures int
		wantTypes    []string
	}{
		{"authorised is captured", []domain.Payment{authorised()}, 900, nil, nil, nil,
			domain.StatusCaptured, 1, []string{schemas.TypePaymentCapturedV1}},
		{"captured stays captured", []domain.Payment{withStatus(domain.StatusCaptured)}, 900, nil, nil, nil,
			domain.StatusCaptured, 0, []string{}},
		{"other total is inconsistent", []domain.Payment{authorised()}, 901, nil, command.ErrInconsistent, nil,
			domain.StatusAuthorised, 0, []string{}},
		{"voided at provider is inconsistent", []domain.Payment{authorised()}, 900, command.ErrProviderConflict,
			command.ErrInconsistent, nil, domain.StatusAuthorised, 1, []string{}},
		{"provider down is retried", []domain.Payment{authorised()}, 900, command.ErrProviderUnavailable,
			command.ErrProviderUnavailable, nil, domain.StatusAuthorised, 1, []string{}},
		{"failed payment is inconsistent", []domain.Payment{withStatus(domain.StatusFailed)}, 900, nil, nil,
			command.ErrInconsistent, domain.StatusFailed, 0, []string{}},
		{"no payment is retried", nil, 900, nil, command.ErrNotFound, nil, "", 0, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, prov := newStore(tt.existing...), &provider{opErr: tt.opErr}
			c := command.CaptureHandler{Payments: s, Provider: prov, Now: clock}
			cmd := command.Capture{OrderID: orderID, AmountCents: tt.amount}
			d, err := c.Decide(t.Context(), cmd)
			if !errors.Is(err, tt.wantDecide) {
				t.Fatalf("decide: err = %v, want %v", err, tt.wantDecide)
			}
			if err == nil {
				if err := c.Record(t.Context(), s, cmd, d); !errors.Is(err, tt.wantRecord) {
					t.Fatalf("record: err = %v, want %v", err, tt.wantRecord)
				}
			}
			if s.status(orderID) != tt.wantStatus || prov.captures != tt.wantCaptures {
				t.Errorf("status %s after %d captures, want %s after %d", s.status(orderID), prov.captures, tt.wantStatus, tt.wantCaptures)
			}
			if diff := cmp.Diff(tt.wantTypes, s.types()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		existing   []domain.Payment
		wantStatus domain.Status
		wantVoids  int
		wantTypes  []string
	}{
		{"authorised is voided", []domain.Payment{authorised()}, domain.StatusVoided, 1, []string{schemas.TypePaymentVoidedV1}},
		{"no payment leaves a tombstone", nil, domain.StatusCancelled, 0, []string{}},
		{"failed stays failed", []domain.Payment{withStatus(domain.StatusFailed)}, domain.StatusFailed, 0, []string{}},
		{"voided stays voided", []domain.Payment{withStatus(domain.StatusVoided)}, domain.StatusVoided, 0, []string{}},
		{"tombstone stays", []domain.Payment{must(domain.Tombstone(orderID, clock()))}, domain.StatusCancelled, 0, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, prov := newStore(tt.existing...), &provider{}
			c := command.CancelHandler{Payments: s, Provider: prov, Now: clock}
			cmd := command.Cancel{OrderID: orderID}
			d, err := c.Decide(t.Context(), cmd)
			if err != nil {
				t.Fatalf("decide: %v", err)
			}
			if err := c.Record(t.Context(), s, cmd, d); err != nil {
				t.Fatalf("record: %v", err)
			}
			if s.status(orderID) != tt.wantStatus || prov.voids != tt.wantVoids {
				t.Errorf("status %s after %d voids, want %s after %d", s.status(orderID), prov.voids, tt.wantStatus, tt.wantVoids)
			}
			if diff := cmp.Diff(tt.wantTypes, s.types()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// An authorisation committed after Cancel.Decide looked: Record must not
// mark it voided without a void at the provider, so it asks for a retry.
func TestCancelRacingAuthorisation(t *testing.T) {
	t.Parallel()
	s, prov := newStore(), &provider{}
	c := command.CancelHandler{Payments: s, Provider: prov, Now: clock}
	cmd := command.Cancel{OrderID: orderID}
	d, err := c.Decide(t.Context(), cmd)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(t.Context(), authorised()); err != nil {
		t.Fatal(err)
	}
	if err := c.Record(t.Context(), s, cmd, d); !errors.Is(err, command.ErrChanged) {
		t.Fatalf("record: err = %v, want ErrChanged", err)
	}
	d, err = c.Decide(t.Context(), cmd) // the redelivery
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Record(t.Context(), s, cmd, d); err != nil {
		t.Fatalf("record again: %v", err)
	}
	if s.status(orderID) != domain.StatusVoided || prov.voids != 1 {
		t.Errorf("status %s after %d voids, want VOIDED after 1", s.status(orderID), prov.voids)
	}
}
