package domain_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/services/inventory/internal/domain"
)

func catalogue(t *testing.T, stock map[string]counts) map[string]*domain.Product {
	t.Helper()
	products := make(map[string]*domain.Product, len(stock))
	for sku, c := range stock {
		p, err := domain.UnmarshalProduct(sku, sku, 100, "EUR", c.Available, c.Reserved, c.Sold)
		if err != nil {
			t.Fatalf("UnmarshalProduct: %v", err)
		}
		products[sku] = p
	}
	return products
}

func snapshot(products map[string]*domain.Product) map[string]counts {
	out := make(map[string]counts, len(products))
	for sku, p := range products {
		out[sku] = countsOf(p)
	}
	return out
}

func TestReserveLines(t *testing.T) {
	t.Parallel()
	start := map[string]counts{"A": {5, 0, 0}, "B": {2, 1, 0}}
	tests := []struct {
		name     string
		lines    []domain.Line
		want     map[string]counts
		wantErr  error
		wantSKUs []string
	}{
		{
			name:  "all lines",
			lines: []domain.Line{{SKU: "A", Quantity: 5}, {SKU: "B", Quantity: 1}},
			want:  map[string]counts{"A": {0, 5, 0}, "B": {1, 2, 0}},
		},
		{
			name:  "same sku twice adds up",
			lines: []domain.Line{{SKU: "A", Quantity: 2}, {SKU: "A", Quantity: 3}},
			want:  map[string]counts{"A": {0, 5, 0}, "B": {2, 1, 0}},
		},
		{
			name:     "same sku twice over stock",
			lines:    []domain.Line{{SKU: "A", Quantity: 3}, {SKU: "A", Quantity: 3}},
			want:     start,
			wantErr:  domain.ErrInsufficientStock,
			wantSKUs: []string{"A"},
		},
		{
			name:     "one short line reserves none",
			lines:    []domain.Line{{SKU: "A", Quantity: 1}, {SKU: "B", Quantity: 3}},
			want:     start,
			wantErr:  domain.ErrInsufficientStock,
			wantSKUs: []string{"B"},
		},
		{
			name:     "unknown sku",
			lines:    []domain.Line{{SKU: "A", Quantity: 1}, {SKU: "Z", Quantity: 1}, {SKU: "B", Quantity: 9}},
			want:     start,
			wantErr:  domain.ErrUnknownProduct,
			wantSKUs: []string{"Z"},
		},
		{name: "no lines", want: start, wantErr: domain.ErrInvalidReservation},
		{name: "zero quantity", lines: []domain.Line{{SKU: "A"}}, want: start, wantErr: domain.ErrInvalidReservation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			products := catalogue(t, start)
			err := domain.ReserveLines(products, tt.lines)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			var shortage *domain.ShortageError
			if errors.As(err, &shortage) {
				if diff := cmp.Diff(tt.wantSKUs, shortage.SKUs); diff != "" {
					t.Errorf("SKUs (-want +got):\n%s", diff)
				}
			} else if tt.wantSKUs != nil {
				t.Errorf("error %v is no ShortageError", err)
			}
			if diff := cmp.Diff(tt.want, snapshot(products)); diff != "" {
				t.Errorf("stock (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReservationFinish(t *testing.T) {
	t.Parallel()
	lines := []domain.Line{{SKU: "A", Quantity: 2}, {SKU: "B", Quantity: 1}}
	tests := []struct {
		name      string
		state     domain.State
		stock     map[string]counts
		finish    func(*domain.Reservation, map[string]*domain.Product) error
		wantState domain.State
		want      map[string]counts
		wantErr   error
	}{
		{
			name: "release", state: domain.StateReserved, finish: (*domain.Reservation).Release,
			stock:     map[string]counts{"A": {0, 2, 0}, "B": {3, 1, 0}},
			wantState: domain.StateReleased, want: map[string]counts{"A": {2, 0, 0}, "B": {4, 0, 0}},
		},
		{
			name: "commit", state: domain.StateReserved, finish: (*domain.Reservation).Commit,
			stock:     map[string]counts{"A": {0, 2, 0}, "B": {3, 1, 0}},
			wantState: domain.StateCommitted, want: map[string]counts{"A": {0, 0, 2}, "B": {3, 0, 1}},
		},
		{
			name: "commit with too little reserved changes nothing", state: domain.StateReserved, finish: (*domain.Reservation).Commit,
			stock:     map[string]counts{"A": {0, 2, 0}, "B": {3, 0, 0}},
			wantState: domain.StateReserved, want: map[string]counts{"A": {0, 2, 0}, "B": {3, 0, 0}},
			wantErr: domain.ErrInsufficientReserved,
		},
		{
			name: "release a committed one", state: domain.StateCommitted, finish: (*domain.Reservation).Release,
			stock:     map[string]counts{"A": {0, 0, 2}, "B": {3, 0, 1}},
			wantState: domain.StateCommitted, want: map[string]counts{"A": {0, 0, 2}, "B": {3, 0, 1}},
			wantErr: domain.ErrReservationFinal,
		},
		{
			name: "commit a tombstone", state: domain.StateTombstone, finish: (*domain.Reservation).Commit,
			stock:     map[string]counts{"A": {1, 0, 0}, "B": {1, 0, 0}},
			wantState: domain.StateTombstone, want: map[string]counts{"A": {1, 0, 0}, "B": {1, 0, 0}},
			wantErr: domain.ErrReservationFinal,
		},
		{
			name: "unknown product", state: domain.StateReserved, finish: (*domain.Reservation).Release,
			stock:     map[string]counts{"A": {0, 2, 0}},
			wantState: domain.StateReserved, want: map[string]counts{"A": {0, 2, 0}},
			wantErr: domain.ErrUnknownProduct,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := domain.UnmarshalReservation("order-1", tt.state, lines)
			if err != nil {
				t.Fatalf("UnmarshalReservation: %v", err)
			}
			products := catalogue(t, tt.stock)
			if err := tt.finish(r, products); !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if r.State() != tt.wantState {
				t.Errorf("state = %s, want %s", r.State(), tt.wantState)
			}
			if diff := cmp.Diff(tt.want, snapshot(products)); diff != "" {
				t.Errorf("stock (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReservationConstructors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		build     func() (*domain.Reservation, error)
		wantState domain.State
		wantErr   error
	}{
		{name: "reserved", build: func() (*domain.Reservation, error) {
			return domain.NewReservation("o", []domain.Line{{SKU: "A", Quantity: 1}})
		}, wantState: domain.StateReserved},
		{name: "reserved without lines", build: func() (*domain.Reservation, error) {
			return domain.NewReservation("o", nil)
		}, wantErr: domain.ErrInvalidReservation},
		{name: "reserved without order", build: func() (*domain.Reservation, error) {
			return domain.NewReservation("", []domain.Line{{SKU: "A", Quantity: 1}})
		}, wantErr: domain.ErrInvalidReservation},
		{name: "rejection", build: func() (*domain.Reservation, error) {
			return domain.NewRejection("o", nil)
		}, wantState: domain.StateRejected},
		{name: "tombstone", build: func() (*domain.Reservation, error) {
			return domain.NewTombstone("o")
		}, wantState: domain.StateTombstone},
		{name: "unknown state", build: func() (*domain.Reservation, error) {
			return domain.UnmarshalReservation("o", "lost", nil)
		}, wantErr: domain.ErrInvalidReservation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := tt.build()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && r.State() != tt.wantState {
				t.Errorf("state = %s, want %s", r.State(), tt.wantState)
			}
		})
	}
}
