// Package query holds the inventory's read use cases, one per file, each a
// handler with a Handle method.
package query

import (
	"context"
	"errors"
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
	// empty) in SKU order; unknown SKUs are left out.
	Products(ctx context.Context, skus []string) ([]Product, error)
	// StockLevels returns the stock of the products with the given SKUs
	// (all when skus is empty) in SKU order; unknown SKUs are left out.
	StockLevels(ctx context.Context, skus []string) ([]StockLevel, error)
}
