// Package command holds the inventory's use cases that change stock, one per
// file, each a handler with a Handle method.
package command

import (
	"context"
	"slices"
	"strings"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/services/inventory/internal/domain"
)

// OrderUpdate decides what an order event does. res is the order's stored
// reservation, nil when there is none; products holds the products that the
// event's SKUs and the reservation's lines name, those that exist. It returns
// the reservation to store (nil to store nothing) and the events to emit.
type OrderUpdate func(res *domain.Reservation, products map[string]*domain.Product) (*domain.Reservation, []event.Event, error)

// Repository stores products and reservations. Each call is one transaction
// (or joins the caller's, see the adapter) in which the changed rows and the
// returned events (through the outbox) commit together or not at all.
type Repository interface {
	// UpdateOrder locks the reservation of orderID and then the products
	// named by skus and by the reservation's lines, in SKU order so that
	// concurrent orders cannot deadlock, and applies fn.
	UpdateOrder(ctx context.Context, orderID string, skus []string, fn OrderUpdate) error
	// UpdateProduct locks one product and applies fn; an unknown SKU is an
	// error wrapping domain.ErrUnknownProduct.
	UpdateProduct(ctx context.Context, sku string, fn func(*domain.Product) ([]event.Event, error)) error
}

// touched returns the products that lines name, once each, in SKU order.
func touched(products map[string]*domain.Product, lines []domain.Line) []*domain.Product {
	seen := make(map[string]bool, len(lines))
	var out []*domain.Product
	for _, l := range lines {
		if p, ok := products[l.SKU]; ok && !seen[l.SKU] {
			seen[l.SKU] = true
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *domain.Product) int { return strings.Compare(a.SKU(), b.SKU()) })
	return out
}
