package service

import (
	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/services/payment/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/payment/internal/ports"
)

// SagaStorage is the PostgreSQL storage of the saga's batches (ports.Storage):
// payments read ahead, and batch state whose events go to the relay through
// Handoff (nil for the plain outbox).
type SagaStorage struct {
	*postgres.Payments
	Handoff *outbox.Handoff
}

// NewBatch returns the state of a batch about orderIDs.
func (s SagaStorage) NewBatch(orderIDs []string) ports.Batch {
	return postgres.NewBatch(orderIDs, s.Handoff)
}
