package domain_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/services/inventory/internal/domain"
)

type counts struct{ Available, Reserved, Sold int64 }

func countsOf(p *domain.Product) counts {
	return counts{Available: p.Available(), Reserved: p.Reserved(), Sold: p.Sold()}
}

func TestNewProductValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		sku      string
		prodName string
		price    int64
		currency string
		stock    int64
		wantErr  bool
	}{
		{name: "valid", sku: "SKU-A", prodName: "A", price: 100, currency: "EUR", stock: 5},
		{name: "free and empty", sku: "SKU-A", prodName: "A", currency: "EUR"},
		{name: "empty sku", sku: " ", prodName: "A", price: 1, currency: "EUR", wantErr: true},
		{name: "empty name", sku: "SKU-A", price: 1, currency: "EUR", wantErr: true},
		{name: "negative price", sku: "SKU-A", prodName: "A", price: -1, currency: "EUR", wantErr: true},
		{name: "bad currency", sku: "SKU-A", prodName: "A", price: 1, currency: "EURO", wantErr: true},
		{name: "negative stock", sku: "SKU-A", prodName: "A", price: 1, currency: "EUR", stock: -1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := domain.NewProduct(tt.sku, tt.prodName, tt.price, tt.currency, tt.stock)
			if tt.wantErr {
				if !errors.Is(err, domain.ErrInvalidProduct) {
					t.Fatalf("NewProduct error = %v, want ErrInvalidProduct", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewProduct: %v", err)
			}
			if diff := cmp.Diff(counts{Available: tt.stock}, countsOf(p)); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProductStockMoves(t *testing.T) {
	t.Parallel()
	type move func(*domain.Product, int64) error
	tests := []struct {
		name    string
		start   counts
		move    move
		q       int64
		want    counts
		wantErr error
	}{
		{name: "reserve", start: counts{10, 0, 0}, move: (*domain.Product).Reserve, q: 4, want: counts{6, 4, 0}},
		{name: "reserve all", start: counts{4, 0, 0}, move: (*domain.Product).Reserve, q: 4, want: counts{0, 4, 0}},
		{name: "reserve too many", start: counts{3, 0, 0}, move: (*domain.Product).Reserve, q: 4, want: counts{3, 0, 0}, wantErr: domain.ErrInsufficientStock},
		{name: "reserve zero", start: counts{3, 0, 0}, move: (*domain.Product).Reserve, q: 0, want: counts{3, 0, 0}, wantErr: domain.ErrInvalidQuantity},
		{name: "release", start: counts{6, 4, 0}, move: (*domain.Product).Release, q: 4, want: counts{10, 0, 0}},
		{name: "release too many", start: counts{6, 3, 0}, move: (*domain.Product).Release, q: 4, want: counts{6, 3, 0}, wantErr: domain.ErrInsufficientReserved},
		{name: "commit", start: counts{6, 4, 1}, move: (*domain.Product).Commit, q: 3, want: counts{6, 1, 4}},
		{name: "commit too many", start: counts{6, 0, 1}, move: (*domain.Product).Commit, q: 1, want: counts{6, 0, 1}, wantErr: domain.ErrInsufficientReserved},
		{name: "commit negative", start: counts{6, 4, 1}, move: (*domain.Product).Commit, q: -1, want: counts{6, 4, 1}, wantErr: domain.ErrInvalidQuantity},
		{name: "restock", start: counts{0, 2, 8}, move: (*domain.Product).Restock, q: 5, want: counts{5, 2, 8}},
		{name: "restock max", start: counts{0, 0, 0}, move: (*domain.Product).Restock, q: domain.MaxRestock, want: counts{domain.MaxRestock, 0, 0}},
		{name: "restock above max", start: counts{1, 0, 0}, move: (*domain.Product).Restock, q: domain.MaxRestock + 1, want: counts{1, 0, 0}, wantErr: domain.ErrInvalidQuantity},
		{name: "restock to the cap", start: counts{domain.MaxAvailable - 5, 0, 0}, move: (*domain.Product).Restock, q: 5, want: counts{domain.MaxAvailable, 0, 0}},
		{name: "restock over the cap", start: counts{domain.MaxAvailable - 5, 0, 0}, move: (*domain.Product).Restock, q: 6, want: counts{domain.MaxAvailable - 5, 0, 0}, wantErr: domain.ErrInvalidQuantity},
		{name: "restock zero", start: counts{1, 0, 0}, move: (*domain.Product).Restock, q: 0, want: counts{1, 0, 0}, wantErr: domain.ErrInvalidQuantity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := domain.UnmarshalProduct("SKU-A", "A", 100, "EUR", tt.start.Available, tt.start.Reserved, tt.start.Sold)
			if err != nil {
				t.Fatalf("UnmarshalProduct: %v", err)
			}
			err = tt.move(p, tt.q)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, countsOf(p)); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}
