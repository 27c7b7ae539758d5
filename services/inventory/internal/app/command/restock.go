package command

import (
	"context"
	"fmt"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/services/inventory/internal/domain"
)

// Restock asks to add Quantity units of a product to its available stock.
type Restock struct {
	SKU      string
	Quantity int64
}

// RestockHandler adds stock to a product.
type RestockHandler struct{ repo Repository }

// NewRestockHandler returns a handler storing through repo.
func NewRestockHandler(repo Repository) RestockHandler {
	return RestockHandler{repo: repo}
}

// Handle adds the stock and emits inventory.stock_changed.v1. The error wraps
// domain.ErrInvalidQuantity for a bad quantity and domain.ErrUnknownProduct
// for an unknown SKU.
func (h RestockHandler) Handle(ctx context.Context, cmd Restock) error {
	err := h.repo.UpdateProduct(ctx, cmd.SKU, func(p *domain.Product) ([]event.Event, error) {
		if err := p.Restock(cmd.Quantity); err != nil {
			return nil, err
		}
		return stockChanged(ctx, []*domain.Product{p})
	})
	if err != nil {
		return fmt.Errorf("restock %s: %w", cmd.SKU, err)
	}
	return nil
}
