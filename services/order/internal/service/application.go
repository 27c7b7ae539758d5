// Package service assembles the order service from its parts: database
// (migrated), bus, the use cases wired to their adapters, consumers, saga
// timeout, outbox relay and HTTP server. The command and the tests start it
// and build its application the same way.
package service

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/services/order/internal/adapters/eventlog"
	"github.com/eventshop/eventshop/services/order/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/order/internal/app"
	"github.com/eventshop/eventshop/services/order/internal/app/command"
	"github.com/eventshop/eventshop/services/order/internal/app/query"
	"github.com/eventshop/eventshop/services/order/internal/ports"
)

// Dependencies are what the application is built on.
type Dependencies struct {
	Pool      *pgxpool.Pool
	JetStream jetstream.JetStream
	Prices    command.PriceList
	Metrics   command.Metrics
	// Handoff is the outbox hand-off shared with the relay (nil for the
	// plain outbox).
	Handoff *outbox.Handoff
	// Traces reads the spans of an order's traces; nil when no trace
	// store is configured.
	Traces query.TraceStore
}

// NewApplication builds every use case on deps.
func NewApplication(deps Dependencies) app.Application {
	repo := postgres.NewRepository(deps.Pool, deps.Handoff)
	timeline := query.NewTimelineHandler(repo, eventlog.New(deps.JetStream))
	m := deps.Metrics
	if m == nil {
		m = command.NopMetrics{}
	}
	return app.Application{
		Commands: app.Commands{
			PlaceOrder:    command.NewPlaceOrderHandler(repo, deps.Prices, m),
			CancelOrder:   command.NewCancelOrderHandler(repo, m),
			CancelExpired: command.NewCancelExpiredHandler(repo, m),
			ExpireKeys:    command.NewExpireIdempotencyKeysHandler(repo),
		},
		Queries: app.Queries{
			GetOrder:   query.NewGetOrderHandler(repo),
			ListOrders: query.NewListOrdersHandler(repo),
			Timeline:   timeline,
			OrderTrace: query.NewOrderTraceHandler(timeline, deps.Traces),
		},
	}
}

// SagaBatches returns the PostgreSQL state of each batch of saga events,
// whose events go to the relay through handoff (nil for the plain outbox).
func SagaBatches(handoff *outbox.Handoff) ports.NewSagaBatch {
	return func(orderIDs []uuid.UUID) ports.SagaBatch { return postgres.NewSagaBatch(orderIDs, handoff) }
}
