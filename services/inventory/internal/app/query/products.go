package query

import (
	"context"
	"fmt"
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
	ps, err := h.read.Products(ctx, q.SKUs)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	return ps, nil
}
