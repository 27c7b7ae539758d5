// Package service assembles the payment service from its parts: database,
// bus, provider client, the use cases wired to their adapters (app.New),
// consumers, outbox relay and HTTP server. The command and the end-to-end
// tests start it the same way.
//
// # The shape, and its one variant here
//
// Payment has the same skeleton as the other services: cmd/payment,
// internal/domain, internal/app/{command,query}, internal/adapters,
// internal/ports, internal/service and migrations. Elsewhere a command runs
// whole inside one transaction: load, change the domain value, store it and
// add its events to the outbox.
//
// Payment's commands cannot, because each saga step calls the payment
// provider, which may take seconds (three attempts of a 2 s timeout) and is
// never to be called with a database transaction open: a slow provider would
// hold row locks and pool connections and stall every other order. So every
// command here follows the decide-then-record variant:
//
//  1. Decide, outside any transaction: read the payment and call the
//     provider. Provider calls are idempotent (the order id is the
//     idempotency key), so deciding twice never charges twice. A refusal is
//     a decision; only a cancelled context is an error.
//  2. Record, inside the transaction the port opens for the event (with its
//     inbox row): re-read the payment locked, check that it still allows the
//     decision (ErrChanged sends the event round again), store it and add its
//     event to the outbox.
//
// The one race the split opens (an order cancelled while its authorisation
// was at the provider) is closed by the tombstone Cancel leaves: Record of
// Authorise finds it, holds the authorisation on it and returns it to be
// voided once the transaction has committed (VoidOrphans, swept again every
// OrphanSweep when the provider was down).
package service
