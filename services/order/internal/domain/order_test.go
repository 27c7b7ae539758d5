package domain_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/services/order/internal/domain"
)

var (
	now    = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	prices = map[string]int64{"SKU-1": 250, "SKU-2": 1000}
)

func items(n int) []domain.Item {
	out := make([]domain.Item, n)
	for i := range out {
		out[i] = domain.NewItem(fmt.Sprintf("SKU-%d", i+1), 1)
	}
	return out
}

func TestNewOrderValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		customer string
		items    []domain.Item
		payment  string
		want     error
	}{
		{"valid", "alice", []domain.Item{domain.NewItem("SKU-1", 2)}, "tok_visa", nil},
		{"no customer", "", items(1), "tok_visa", domain.ErrInvalidOrder},
		{"no items", "alice", nil, "tok_visa", domain.ErrInvalidOrder},
		{"21 lines", "alice", items(21), "tok_visa", domain.ErrInvalidOrder},
		{"quantity 0", "alice", []domain.Item{domain.NewItem("SKU-1", 0)}, "tok_visa", domain.ErrInvalidOrder},
		{"quantity -1", "alice", []domain.Item{domain.NewItem("SKU-1", -1)}, "tok_visa", domain.ErrInvalidOrder},
		{"quantity 1001", "alice", []domain.Item{domain.NewItem("SKU-1", 1001)}, "tok_visa", domain.ErrInvalidOrder},
		{"empty sku", "alice", []domain.Item{domain.NewItem("", 1)}, "tok_visa", domain.ErrInvalidOrder},
		{"sku with space", "alice", []domain.Item{domain.NewItem("SKU 1", 1)}, "tok_visa", domain.ErrInvalidOrder},
		{"duplicate sku", "alice", []domain.Item{domain.NewItem("SKU-1", 1), domain.NewItem("SKU-1", 2)}, "tok_visa", domain.ErrInvalidOrder},
		{"no payment method", "alice", items(1), "", domain.ErrInvalidOrder},
		{"payment method not a token", "alice", items(1), "4111111111111111", domain.ErrInvalidOrder},
		{"unknown sku", "alice", []domain.Item{domain.NewItem("SKU-9", 1)}, "tok_visa", domain.ErrUnknownProduct},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := domain.NewOrder(tt.customer, tt.items, prices, tt.payment, now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("NewOrder error = %v, want %v", err, tt.want)
			}
			if tt.want == nil && o == nil {
				t.Fatal("NewOrder returned no order")
			}
		})
	}
}

func TestNewOrderPricesLines(t *testing.T) {
	t.Parallel()
	o, err := domain.NewOrder("alice", []domain.Item{domain.NewItem("SKU-1", 3), domain.NewItem("SKU-2", 1)}, prices, "tok_visa", now)
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		SKU   string
		Qty   int
		Price int64
	}
	var got []line
	for _, l := range o.Lines() {
		got = append(got, line{l.SKU(), l.Quantity(), l.PriceCents()})
	}
	want := []line{{"SKU-1", 3, 250}, {"SKU-2", 1, 1000}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if o.TotalCents() != 1750 || o.Status() != domain.StatusPending || o.Currency() != "EUR" {
		t.Errorf("total %d status %s currency %s", o.TotalCents(), o.Status(), o.Currency())
	}
	if o.ID().Version() != 7 {
		t.Errorf("id version = %d, want 7", o.ID().Version())
	}
}

func TestUnknownProductsNamesSKUs(t *testing.T) {
	t.Parallel()
	_, err := domain.NewOrder("alice", []domain.Item{domain.NewItem("SKU-1", 1), domain.NewItem("NOPE", 1)}, prices, "tok_visa", now)
	var unknown *domain.UnknownProductsError
	if !errors.As(err, &unknown) {
		t.Fatalf("error = %v, want UnknownProductsError", err)
	}
	if diff := cmp.Diff([]string{"NOPE"}, unknown.SKUs); diff != "" {
		t.Errorf("skus (-want +got):\n%s", diff)
	}
}

func TestTransitions(t *testing.T) {
	t.Parallel()
	transitions := map[string]func(*domain.Order) error{
		"confirm": func(o *domain.Order) error { return o.Confirm(now) },
		"reject":  func(o *domain.Order) error { return o.Reject("out_of_stock", now) },
		"cancel":  func(o *domain.Order) error { return o.Cancel(domain.ReasonCustomer, now) },
	}
	want := map[string]domain.Status{"confirm": domain.StatusConfirmed, "reject": domain.StatusRejected, "cancel": domain.StatusCancelled}
	for first, apply := range transitions {
		t.Run(first, func(t *testing.T) {
			t.Parallel()
			o, err := domain.NewOrder("alice", items(1), prices, "tok_visa", now)
			if err != nil {
				t.Fatal(err)
			}
			if err := apply(o); err != nil {
				t.Fatalf("%s from PENDING: %v", first, err)
			}
			if o.Status() != want[first] || !o.Status().IsFinal() {
				t.Fatalf("status = %s, want %s", o.Status(), want[first])
			}
			for second, again := range transitions {
				if err := again(o); !errors.Is(err, domain.ErrNotPending) {
					t.Errorf("%s after %s: error = %v, want ErrNotPending", second, first, err)
				}
			}
			if o.Status() != want[first] {
				t.Errorf("status changed to %s by a refused transition", o.Status())
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"PENDING", "CONFIRMED", "REJECTED", "CANCELLED"} {
		if got, err := domain.ParseStatus(s); err != nil || string(got) != s {
			t.Errorf("ParseStatus(%q) = %q, %v", s, got, err)
		}
	}
	if _, err := domain.ParseStatus("SHIPPED"); err == nil {
		t.Error("ParseStatus(SHIPPED) succeeded")
	}
}
