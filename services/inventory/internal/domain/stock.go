package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrUnknownProduct means a line names a SKU that is not in the catalogue.
var ErrUnknownProduct = errors.New("unknown product")

// ShortageError says which SKUs made a reservation impossible. It wraps
// ErrUnknownProduct when any SKU is unknown, else ErrInsufficientStock.
type ShortageError struct {
	Reason error    // ErrUnknownProduct or ErrInsufficientStock
	SKUs   []string // the SKUs at fault, sorted
}

// Error describes the shortage.
func (e *ShortageError) Error() string {
	return fmt.Sprintf("%v: %s", e.Reason, strings.Join(e.SKUs, ", "))
}

// Unwrap lets errors.Is see the reason.
func (e *ShortageError) Unwrap() error { return e.Reason }

// ReserveLines reserves every line of an order or none. products holds the
// products the lines name (missing ones are unknown); lines of the same SKU
// are added up. On failure the products are unchanged and the error is a
// *ShortageError naming every SKU at fault.
func ReserveLines(products map[string]*Product, lines []Line) error {
	if err := checkLines(lines); err != nil {
		return err
	}
	need := totals(lines)
	var unknown, short []string
	for sku, q := range need {
		p, ok := products[sku]
		switch {
		case !ok:
			unknown = append(unknown, sku)
		case p.available < q:
			short = append(short, sku)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return &ShortageError{Reason: ErrUnknownProduct, SKUs: unknown}
	}
	if len(short) > 0 {
		slices.Sort(short)
		return &ShortageError{Reason: ErrInsufficientStock, SKUs: short}
	}
	for sku, q := range need {
		if err := products[sku].Reserve(q); err != nil {
			return fmt.Errorf("reserve lines: %w", err) // unreachable after the checks above
		}
	}
	return nil
}

// totals adds up the quantity per SKU.
func totals(lines []Line) map[string]int64 {
	t := make(map[string]int64, len(lines))
	for _, l := range lines {
		t[l.SKU] += l.Quantity
	}
	return t
}

// stage copies the products that lines name, so that a multi-line change can
// be tried and only applied when every line succeeds.
func stage(products map[string]*Product, lines []Line) (map[string]*Product, error) {
	staged := make(map[string]*Product, len(lines))
	for _, l := range lines {
		p, ok := products[l.SKU]
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrUnknownProduct, l.SKU)
		}
		c := *p
		staged[l.SKU] = &c
	}
	return staged, nil
}

func apply(products, staged map[string]*Product) {
	for sku, p := range staged {
		*products[sku] = *p
	}
}
