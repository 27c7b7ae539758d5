package service

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/services/inventory/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/inventory/internal/ports"
)

// OrderBatches returns the PostgreSQL state of each batch of order events
// on pool, whose events go to the relay through handoff (nil for the plain
// outbox).
func OrderBatches(pool *pgxpool.Pool, handoff *outbox.Handoff) ports.NewOrderBatch {
	return func(orderIDs, skus []string) ports.OrderBatch {
		return postgres.NewOrderBatch(pool, orderIDs, skus, handoff)
	}
}
