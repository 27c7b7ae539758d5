// Package app is the order service's application layer: the use cases that
// ports call, wired to the adapters that implement their interfaces.
package app

import (
	"github.com/eventshop/eventshop/services/order/internal/app/command"
	"github.com/eventshop/eventshop/services/order/internal/app/query"
)

// Application is every use case of the order service.
type Application struct {
	Commands Commands
	Queries  Queries
}

// Commands are the use cases that change orders.
type Commands struct {
	PlaceOrder    command.PlaceOrderHandler
	CancelOrder   command.CancelOrderHandler
	CancelExpired command.CancelExpiredHandler
	ExpireKeys    command.ExpireIdempotencyKeysHandler
}

// Queries are the use cases that read orders.
type Queries struct {
	GetOrder   query.GetOrderHandler
	ListOrders query.ListOrdersHandler
	Timeline   query.TimelineHandler
	OrderTrace query.OrderTraceHandler
}
