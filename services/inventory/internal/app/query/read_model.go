// Package query holds the inventory's read use cases, one per file, each a
// handler with a Handle method.
package query

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventshop/eventshop/pkg/page"
)

// ErrNotFound means no product has the SKU asked for.
var ErrNotFound = errors.New("product not found")

// Product is a catalogue entry as customers see it.
type Product struct {
	SKU        string
	Name       string
	PriceCents int64
	Currency   string
	Available  int64
}

// StockLevel is a product's stock as admins see it.
type StockLevel struct {
	SKU       string
	Available int64
	Reserved  int64
	Sold      int64
}

// ReadModel reads the catalogue without locking it.
type ReadModel interface {
	// Products returns the products with the given SKUs (all when skus is
	// empty) in SKU order, from the first SKU after r.After, at most
	// r.Limit of them (all for 0); unknown SKUs are left out.
	Products(ctx context.Context, skus []string, r Range) ([]Product, error)
	// StockLevels returns the stock of the products with the given SKUs
	// (all when skus is empty) in SKU order, within r as Products does;
	// unknown SKUs are left out.
	StockLevels(ctx context.Context, skus []string, r Range) ([]StockLevel, error)
}

// Range is a stretch of the catalogue in SKU order: the SKUs after After
// ("" from the first), at most Limit of them (0 for no bound).
type Range struct {
	After string
	Limit int
}

// rangeOf turns a page request into the read that answers it: one item more
// than the page, to learn whether another page follows.
func rangeOf(r page.Request) (Range, error) {
	rg := Range{Limit: r.Limit + 1}
	if r.After != nil {
		if len(r.After) != 1 || r.After[0] == "" {
			return Range{}, fmt.Errorf("%w: cursor is not one this list returned", page.ErrInvalid)
		}
		rg.After = r.After[0]
	}
	return rg, nil
}
