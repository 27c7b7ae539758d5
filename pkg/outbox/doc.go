// Package outbox implements the transactional outbox: a service writes its
// events in the same transaction as its state change (Add for PostgreSQL,
// MongoEvents for MongoDB), and a relay publishes them to JetStream.
//
// The relay finds rows in two ways. A writer that knows its events takes a
// Ticket before its commit and hands the events over with Ticket.Done, and
// the relay publishes them without reading them back (docs/adr/0007).
// Otherwise the writer calls Committed after its commit, and the relay
// claims the unsent rows in id order.
//
// Delivery is at least once: a relay that dies after JetStream stored a
// batch but before it marked the rows sent publishes them again, and
// JetStream drops the copies because every message's Nats-Msg-Id is the
// event id. Consumers deduplicate anything older than the stream's
// duplicate window with package inbox.
package outbox
