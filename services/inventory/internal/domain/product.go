// Package domain holds the inventory's business rules: products with their
// stock, and the reservations that hold stock for an order. It does no I/O.
package domain

import (
	"errors"
	"fmt"
	"strings"
)

// MaxRestock caps one restock so that a typo cannot add absurd stock.
const MaxRestock = 1_000_000

// MaxAvailable caps a product's available stock, the largest value the
// inventory.stock_changed.v1 schema accepts.
const MaxAvailable = 1_000_000_000

var (
	// ErrInvalidProduct marks a product that breaks a constructor's rules.
	ErrInvalidProduct = errors.New("invalid product")
	// ErrInvalidQuantity marks a quantity that is not positive or is too large.
	ErrInvalidQuantity = errors.New("invalid quantity")
	// ErrInsufficientStock means fewer units are available than asked for.
	ErrInsufficientStock = errors.New("insufficient stock")
	// ErrInsufficientReserved means fewer units are reserved than a release or
	// commit wants to move; it would take stock below zero.
	ErrInsufficientReserved = errors.New("insufficient reserved stock")
)

// Product is a catalogue item and its stock. The three counters never go
// negative, and available + reserved + sold only changes by a restock.
type Product struct {
	sku        string
	name       string
	priceCents int64
	currency   string
	available  int64
	reserved   int64
	sold       int64
}

// NewProduct creates a product with stock units available and nothing
// reserved or sold.
func NewProduct(sku, name string, priceCents int64, currency string, stock int64) (*Product, error) {
	return UnmarshalProduct(sku, name, priceCents, currency, stock, 0, 0)
}

// UnmarshalProduct rebuilds a stored product, checking the same rules as
// NewProduct so that a corrupt row is reported rather than used.
func UnmarshalProduct(sku, name string, priceCents int64, currency string, available, reserved, sold int64) (*Product, error) {
	switch {
	case strings.TrimSpace(sku) == "":
		return nil, fmt.Errorf("%w: empty sku", ErrInvalidProduct)
	case strings.TrimSpace(name) == "":
		return nil, fmt.Errorf("%w: %s: empty name", ErrInvalidProduct, sku)
	case priceCents < 0:
		return nil, fmt.Errorf("%w: %s: negative price", ErrInvalidProduct, sku)
	case len(currency) != 3:
		return nil, fmt.Errorf("%w: %s: currency %q is not an ISO 4217 code", ErrInvalidProduct, sku, currency)
	case available < 0 || reserved < 0 || sold < 0:
		return nil, fmt.Errorf("%w: %s: negative stock", ErrInvalidProduct, sku)
	}
	return &Product{
		sku: sku, name: name, priceCents: priceCents, currency: currency,
		available: available, reserved: reserved, sold: sold,
	}, nil
}

// SKU is the product's stable identifier.
func (p *Product) SKU() string { return p.sku }

// Name is the product's display name.
func (p *Product) Name() string { return p.name }

// PriceCents is the unit price in the currency's minor unit.
func (p *Product) PriceCents() int64 { return p.priceCents }

// Currency is the ISO 4217 code of the price.
func (p *Product) Currency() string { return p.currency }

// Available is how many units can still be reserved.
func (p *Product) Available() int64 { return p.available }

// Reserved is how many units are held for orders not yet final.
func (p *Product) Reserved() int64 { return p.reserved }

// Sold is how many units went to confirmed orders.
func (p *Product) Sold() int64 { return p.sold }

// Reserve moves q units from available to reserved.
func (p *Product) Reserve(q int64) error {
	if err := checkQuantity(q); err != nil {
		return err
	}
	if p.available < q {
		return fmt.Errorf("%w: %s: %d available, %d wanted", ErrInsufficientStock, p.sku, p.available, q)
	}
	p.available -= q
	p.reserved += q
	return nil
}

// Release gives q reserved units back to available.
func (p *Product) Release(q int64) error {
	if err := p.takeReserved(q); err != nil {
		return err
	}
	p.available += q
	return nil
}

// Commit turns q reserved units into sold ones.
func (p *Product) Commit(q int64) error {
	if err := p.takeReserved(q); err != nil {
		return err
	}
	p.sold += q
	return nil
}

// Restock adds q units to available; q is at most MaxRestock.
func (p *Product) Restock(q int64) error {
	if err := checkQuantity(q); err != nil {
		return err
	}
	if q > MaxRestock {
		return fmt.Errorf("%w: %d is more than %d", ErrInvalidQuantity, q, MaxRestock)
	}
	if p.available > MaxAvailable-q {
		return fmt.Errorf("%w: %s would hold more than %d", ErrInvalidQuantity, p.sku, MaxAvailable)
	}
	p.available += q
	return nil
}

func (p *Product) takeReserved(q int64) error {
	if err := checkQuantity(q); err != nil {
		return err
	}
	if p.reserved < q {
		return fmt.Errorf("%w: %s: %d reserved, %d wanted", ErrInsufficientReserved, p.sku, p.reserved, q)
	}
	p.reserved -= q
	return nil
}

func checkQuantity(q int64) error {
	if q <= 0 {
		return fmt.Errorf("%w: %d is not positive", ErrInvalidQuantity, q)
	}
	return nil
}
