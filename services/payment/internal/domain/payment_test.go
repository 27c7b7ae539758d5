package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

var now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestConstructors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		build   func() (domain.Payment, error)
		want    domain.Status
		wantErr error
	}{
		{"authorised", func() (domain.Payment, error) { return domain.Authorised("o1", "auth_1", 1000, "EUR", now) },
			domain.StatusAuthorised, nil},
		{"authorised without auth id", func() (domain.Payment, error) { return domain.Authorised("o1", "", 1000, "EUR", now) },
			"", domain.ErrInvalid},
		{"authorised without order", func() (domain.Payment, error) { return domain.Authorised("", "a", 1000, "EUR", now) },
			"", domain.ErrInvalid},
		{"authorised zero amount", func() (domain.Payment, error) { return domain.Authorised("o1", "a", 0, "EUR", now) },
			"", domain.ErrInvalid},
		{"authorised negative amount", func() (domain.Payment, error) { return domain.Authorised("o1", "a", -5, "EUR", now) },
			"", domain.ErrInvalid},
		{"authorised bad currency", func() (domain.Payment, error) { return domain.Authorised("o1", "a", 5, "EURO", now) },
			"", domain.ErrInvalid},
		{"failed", func() (domain.Payment, error) {
			return domain.Failed("o1", 1000, "EUR", domain.ReasonCardDeclined, now)
		},
			domain.StatusFailed, nil},
		{"failed for nothing", func() (domain.Payment, error) { return domain.Failed("o1", 0, "EUR", "card_declined", now) },
			domain.StatusFailed, nil},
		{"failed without reason", func() (domain.Payment, error) { return domain.Failed("o1", 1000, "EUR", "", now) },
			"", domain.ErrInvalid},
		{"tombstone", func() (domain.Payment, error) { return domain.Tombstone("o1", now) },
			domain.StatusCancelled, nil},
		{"tombstone without order", func() (domain.Payment, error) { return domain.Tombstone("", now) },
			"", domain.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := tt.build()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if p.Status() != tt.want {
				t.Errorf("status = %q, want %q", p.Status(), tt.want)
			}
		})
	}
}

// stored returns a payment in status st, as a store would hand it back.
func stored(st domain.Status) domain.Payment {
	return domain.FromSnapshot(domain.Snapshot{OrderID: "o1", AuthID: "auth_1", AmountCents: 1000,
		Currency: "EUR", Status: st, CreatedAt: now, UpdatedAt: now})
}

func TestTransitions(t *testing.T) {
	t.Parallel()
	later := now.Add(time.Minute)
	tests := []struct {
		name    string
		from    domain.Status
		apply   func(*domain.Payment) error
		want    domain.Status
		wantErr error
	}{
		{"capture authorised", domain.StatusAuthorised, capture(later), domain.StatusCaptured, nil},
		{"capture captured", domain.StatusCaptured, capture(later), domain.StatusCaptured, domain.ErrAlreadyCaptured},
		{"capture voided", domain.StatusVoided, capture(later), domain.StatusVoided, domain.ErrNotAuthorised},
		{"capture failed", domain.StatusFailed, capture(later), domain.StatusFailed, domain.ErrNotAuthorised},
		{"capture tombstone", domain.StatusCancelled, capture(later), domain.StatusCancelled, domain.ErrNotAuthorised},
		{"void authorised", domain.StatusAuthorised, void(later), domain.StatusVoided, nil},
		{"void voided", domain.StatusVoided, void(later), domain.StatusVoided, domain.ErrAlreadyVoided},
		{"void captured", domain.StatusCaptured, void(later), domain.StatusCaptured, domain.ErrNotAuthorised},
		{"void failed", domain.StatusFailed, void(later), domain.StatusFailed, domain.ErrNotAuthorised},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := stored(tt.from)
			err := tt.apply(&p)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if p.Status() != tt.want {
				t.Errorf("status = %q, want %q", p.Status(), tt.want)
			}
			wantUpdated := now
			if tt.wantErr == nil {
				wantUpdated = later
			}
			if got := p.Snapshot().UpdatedAt; !got.Equal(wantUpdated) {
				t.Errorf("updated at = %v, want %v", got, wantUpdated)
			}
		})
	}
}

func capture(at time.Time) func(*domain.Payment) error {
	return func(p *domain.Payment) error { return p.Capture(at) }
}

func void(at time.Time) func(*domain.Payment) error {
	return func(p *domain.Payment) error { return p.Void(at) }
}

func TestCanAuthorise(t *testing.T) {
	t.Parallel()
	tests := map[domain.Status]error{
		domain.StatusCancelled:  domain.ErrCancelled,
		domain.StatusAuthorised: domain.ErrExists,
		domain.StatusFailed:     domain.ErrExists,
		domain.StatusCaptured:   domain.ErrExists,
	}
	for st, want := range tests {
		if err := stored(st).CanAuthorise(); !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", st, err, want)
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	p, err := domain.Failed("o9", 700, "USD", domain.ReasonProviderTimeout, now)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Snapshot{OrderID: "o9", AmountCents: 700, Currency: "USD", Status: domain.StatusFailed,
		Reason: domain.ReasonProviderTimeout, CreatedAt: now, UpdatedAt: now}
	if diff := cmp.Diff(want, domain.FromSnapshot(p.Snapshot()).Snapshot()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestOrphanOnTombstone(t *testing.T) {
	t.Parallel()
	later := now.Add(time.Second)
	tests := []struct {
		name        string
		from        domain.Payment
		wantHold    error
		wantPending bool
	}{
		{"tombstone holds it", must(domain.Tombstone("o1", now)), nil, true},
		{"authorised does not", stored(domain.StatusAuthorised), domain.ErrNotCancelled, false},
		{"failed does not", stored(domain.StatusFailed), domain.ErrNotCancelled, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := tt.from
			if err := p.HoldOrphan("auth_7", later); !errors.Is(err, tt.wantHold) {
				t.Fatalf("hold: err = %v, want %v", err, tt.wantHold)
			}
			if p.VoidPending() != tt.wantPending {
				t.Fatalf("void pending = %v, want %v", p.VoidPending(), tt.wantPending)
			}
			if !tt.wantPending {
				return
			}
			if p.AuthID() != "auth_7" || p.Status() != domain.StatusCancelled {
				t.Errorf("payment = %+v, want a tombstone holding auth_7", p.Snapshot())
			}
			if err := p.OrphanVoided(later); err != nil || p.VoidPending() {
				t.Errorf("voided: err = %v, pending = %v", err, p.VoidPending())
			}
			if err := p.OrphanVoided(later); !errors.Is(err, domain.ErrNotCancelled) {
				t.Errorf("second voided: err = %v, want ErrNotCancelled", err)
			}
		})
	}
}

func must(p domain.Payment, err error) domain.Payment {
	if err != nil {
		panic(err) // fixed valid inputs; a failure is a bug in the test
	}
	return p
}
