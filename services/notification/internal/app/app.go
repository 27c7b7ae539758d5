// Package app is the notification service's application layer: the use
// cases that ports call, wired to the adapters that implement their
// interfaces.
package app

import (
	"github.com/eventshop/eventshop/services/notification/internal/app/command"
	"github.com/eventshop/eventshop/services/notification/internal/app/query"
)

// Application is every use case of the notification service.
type Application struct {
	Commands Commands
	Queries  Queries
}

// Commands are the use cases that record and deliver notifications.
type Commands struct {
	Record  command.RecordHandler
	Deliver command.DeliverHandler
}

// Queries are the use cases that read notifications.
type Queries struct {
	ListForCustomer query.ListForCustomerHandler
}
