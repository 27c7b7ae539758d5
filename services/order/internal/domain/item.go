package domain

import (
	"fmt"
	"regexp"
)

// Limits of one order.
const (
	MaxLines    = 20
	MaxQuantity = 1000
)

var (
	skuPattern     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	paymentPattern = regexp.MustCompile(`^tok_[a-z0-9_]{1,60}$`)
)

// Item is a requested line before it is priced: a product and a quantity.
type Item struct {
	sku      string
	quantity int
}

// NewItem returns an Item; it is validated by ValidateItems and NewOrder.
func NewItem(sku string, quantity int) Item { return Item{sku: sku, quantity: quantity} }

// SKU is the product's stock keeping unit.
func (i Item) SKU() string { return i.sku }

// Quantity is how many of the product.
func (i Item) Quantity() int { return i.quantity }

// Line is a priced item: PriceCents is the unit price at the time of the order.
type Line struct {
	item       Item
	priceCents int64
}

// NewLine returns a priced line; repositories use it to load stored orders.
func NewLine(sku string, quantity int, priceCents int64) Line {
	return Line{item: NewItem(sku, quantity), priceCents: priceCents}
}

// SKU is the product's stock keeping unit.
func (l Line) SKU() string { return l.item.sku }

// Quantity is how many of the product.
func (l Line) Quantity() int { return l.item.quantity }

// PriceCents is the unit price.
func (l Line) PriceCents() int64 { return l.priceCents }

// ValidateItems checks the requested lines: 1 to MaxLines lines, each with a
// well-formed SKU and a quantity of 1 to MaxQuantity. A SKU may appear only
// once: merging duplicates would hide a client bug, and inventory reserves per
// line, so one line per product keeps the saga's events unambiguous.
func ValidateItems(items []Item) error {
	if len(items) == 0 {
		return fmt.Errorf("%w: at least one item is required", ErrInvalidOrder)
	}
	if len(items) > MaxLines {
		return fmt.Errorf("%w: at most %d items are allowed, got %d", ErrInvalidOrder, MaxLines, len(items))
	}
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		if !skuPattern.MatchString(it.sku) {
			return fmt.Errorf("%w: items[%d]: sku %q is not well-formed", ErrInvalidOrder, i, it.sku)
		}
		if it.quantity < 1 || it.quantity > MaxQuantity {
			return fmt.Errorf("%w: items[%d]: quantity must be between 1 and %d, got %d", ErrInvalidOrder, i, MaxQuantity, it.quantity)
		}
		if seen[it.sku] {
			return fmt.Errorf("%w: items[%d]: sku %q appears more than once", ErrInvalidOrder, i, it.sku)
		}
		seen[it.sku] = true
	}
	return nil
}

// ValidatePaymentMethod checks that method is a payment token ("tok_visa").
func ValidatePaymentMethod(method string) error {
	if method == "" {
		return fmt.Errorf("%w: payment_method is required", ErrInvalidOrder)
	}
	if !paymentPattern.MatchString(method) {
		return fmt.Errorf("%w: payment_method %q is not a payment token (tok_...)", ErrInvalidOrder, method)
	}
	return nil
}
