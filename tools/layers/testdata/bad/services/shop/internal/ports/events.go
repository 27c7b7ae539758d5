// Package ports is a fixture: a port that builds an adapter's batch.
package ports

import (
	"context"

	"github.com/eventshop/eventshop/services/shop/internal/adapters/postgres"
)

// Handle carries the adapter's batch in the context.
func Handle(ctx context.Context) context.Context {
	return postgres.WithBatch(ctx, &postgres.Batch{})
}
