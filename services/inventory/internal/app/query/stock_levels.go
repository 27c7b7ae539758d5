package query

import (
	"context"
	"fmt"

	"github.com/eventshop/eventshop/pkg/page"
)

// StockLevels asks for the stock of every product, or of the given SKUs.
type StockLevels struct {
	SKUs []string // empty for every product
}

// StockLevelsHandler reads the stock of every product.
type StockLevelsHandler struct{ read ReadModel }

// NewStockLevelsHandler returns a handler reading from read.
func NewStockLevelsHandler(read ReadModel) StockLevelsHandler {
	return StockLevelsHandler{read: read}
}

// Handle returns the stock levels in SKU order.
func (h StockLevelsHandler) Handle(ctx context.Context, q StockLevels) ([]StockLevel, error) {
	levels, err := h.read.StockLevels(ctx, q.SKUs, Range{})
	if err != nil {
		return nil, fmt.Errorf("list stock levels: %w", err)
	}
	return levels, nil
}

// Page returns one page of the stock levels in SKU order and the cursor of
// the next page ("" on the last).
func (h StockLevelsHandler) Page(ctx context.Context, q StockLevels, r page.Request) ([]StockLevel, string, error) {
	rg, err := rangeOf(r)
	if err != nil {
		return nil, "", err
	}
	levels, err := h.read.StockLevels(ctx, q.SKUs, rg)
	if err != nil {
		return nil, "", fmt.Errorf("list stock levels: %w", err)
	}
	levels, next := page.Trim(levels, r, func(l StockLevel) []string { return []string{l.SKU} })
	return levels, next, nil
}
