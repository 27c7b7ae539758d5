package query

import (
	"context"
	"fmt"
)

// ProductBySKU asks for one product.
type ProductBySKU struct {
	SKU string
}

// ProductHandler reads one product.
type ProductHandler struct{ read ReadModel }

// NewProductHandler returns a handler reading from read.
func NewProductHandler(read ReadModel) ProductHandler { return ProductHandler{read: read} }

// Handle returns the product, or an error wrapping ErrNotFound.
func (h ProductHandler) Handle(ctx context.Context, q ProductBySKU) (Product, error) {
	ps, err := h.read.Products(ctx, []string{q.SKU}, Range{})
	if err != nil {
		return Product{}, fmt.Errorf("get product %s: %w", q.SKU, err)
	}
	if len(ps) == 0 {
		return Product{}, fmt.Errorf("%w: %s", ErrNotFound, q.SKU)
	}
	return ps[0], nil
}
