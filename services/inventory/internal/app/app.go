// Package app is the inventory's application layer: the use cases that the
// HTTP and event ports call, split into commands (change stock) and queries
// (read it).
package app

import (
	"github.com/eventshop/eventshop/services/inventory/internal/app/command"
	"github.com/eventshop/eventshop/services/inventory/internal/app/query"
)

// Application is every use case of the inventory.
type Application struct {
	Commands Commands
	Queries  Queries
}

// Commands are the use cases that change stock.
type Commands struct {
	ReserveOrder command.ReserveOrderHandler
	CommitOrder  command.CommitOrderHandler
	ReleaseOrder command.ReleaseOrderHandler
	Restock      command.RestockHandler
}

// Queries are the use cases that read the catalogue and its stock.
type Queries struct {
	Products    query.ProductsHandler
	Product     query.ProductHandler
	StockLevels query.StockLevelsHandler
}

// New wires the use cases to their storage.
func New(repo command.Repository, read query.ReadModel) Application {
	return Application{
		Commands: Commands{
			ReserveOrder: command.NewReserveOrderHandler(repo),
			CommitOrder:  command.NewCommitOrderHandler(repo),
			ReleaseOrder: command.NewReleaseOrderHandler(repo),
			Restock:      command.NewRestockHandler(repo),
		},
		Queries: Queries{
			Products:    query.NewProductsHandler(read),
			Product:     query.NewProductHandler(read),
			StockLevels: query.NewStockLevelsHandler(read),
		},
	}
}
