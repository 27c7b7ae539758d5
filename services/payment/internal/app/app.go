// Package app is the payment service's application layer: the use cases that
// the event and HTTP ports call, wired to the adapters that implement their
// interfaces.
//
// Its commands follow the decide-then-record variant of the service shape
// (see the service's doc.go): each saga step calls the provider outside any
// database transaction (Decide) and stores the outcome with its event inside
// one (Record).
package app

import (
	"time"

	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/app/query"
)

// Application is every use case of the payment service.
type Application struct {
	Commands Commands
	Queries  Queries
}

// Commands are the use cases that move money at the provider and record it.
type Commands struct {
	Authorise   command.AuthoriseHandler
	Capture     command.CaptureHandler
	Cancel      command.CancelHandler
	VoidOrphans command.VoidOrphansHandler // voids authorisations of orders cancelled meanwhile
}

// Queries are the use cases that read payments.
type Queries struct {
	ListPayments query.ListPaymentsHandler
}

// Store is the payment storage the use cases need: reads outside a
// transaction, transactions, and the admin listing.
type Store interface {
	command.Payments
	command.Transactions
	query.Payments
}

// New wires the use cases to their storage, the provider and the clock.
func New(store Store, provider command.Provider, now func() time.Time) Application {
	return Application{
		Commands: Commands{
			Authorise:   command.AuthoriseHandler{Payments: store, Provider: provider, Now: now},
			Capture:     command.CaptureHandler{Payments: store, Provider: provider, Now: now},
			Cancel:      command.CancelHandler{Payments: store, Provider: provider, Now: now},
			VoidOrphans: command.VoidOrphansHandler{Payments: store, Transactions: store, Provider: provider, Now: now},
		},
		Queries: Queries{ListPayments: query.ListPaymentsHandler{Payments: store}},
	}
}
