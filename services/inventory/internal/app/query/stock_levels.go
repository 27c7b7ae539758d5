package query

import (
	"context"
	"fmt"
)

// StockLevels asks for every product's stock.
type StockLevels struct{}

// StockLevelsHandler reads the stock of every product.
type StockLevelsHandler struct{ read ReadModel }

// NewStockLevelsHandler returns a handler reading from read.
func NewStockLevelsHandler(read ReadModel) StockLevelsHandler {
	return StockLevelsHandler{read: read}
}

// Handle returns the stock levels in SKU order.
func (h StockLevelsHandler) Handle(ctx context.Context, _ StockLevels) ([]StockLevel, error) {
	levels, err := h.read.StockLevels(ctx)
	if err != nil {
		return nil, fmt.Errorf("list stock levels: %w", err)
	}
	return levels, nil
}
