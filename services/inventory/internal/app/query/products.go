package query

import (
	"context"
	"fmt"

	"github.com/eventshop/eventshop/pkg/page"
)

// Products asks for the catalogue, or for the products with the given SKUs.
type Products struct {
	SKUs []string // empty for every product
}

// ProductsHandler lists products.
type ProductsHandler struct{ read ReadModel }

// NewProductsHandler returns a handler reading from read.
func NewProductsHandler(read ReadModel) ProductsHandler { return ProductsHandler{read: read} }

// Handle returns the products in SKU order, in one read so that the prices of
// an order's lines come from one snapshot.
func (h ProductsHandler) Handle(ctx context.Context, q Products) ([]Product, error) {
	ps, err := h.read.Products(ctx, q.SKUs, Range{})
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	return ps, nil
}

// Page returns one page of the products in SKU order and the cursor of the
// next page ("" on the last). SKUs are unique and never change, so a page
// neither repeats nor skips a product whatever is added between reads.
func (h ProductsHandler) Page(ctx context.Context, q Products, r page.Request) ([]Product, string, error) {
	rg, err := rangeOf(r)
	if err != nil {
		return nil, "", err
	}
	ps, err := h.read.Products(ctx, q.SKUs, rg)
	if err != nil {
		return nil, "", fmt.Errorf("list products: %w", err)
	}
	ps, next := page.Trim(ps, r, func(p Product) []string { return []string{p.SKU} })
	return ps, next, nil
}
