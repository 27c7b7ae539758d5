package query

import (
	"context"
	"fmt"
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
	levels, err := h.read.StockLevels(ctx, q.SKUs)
	if err != nil {
		return nil, fmt.Errorf("list stock levels: %w", err)
	}
	return levels, nil
}
