// Package outbox implements the transactional outbox: a service writes its
// events in the same transaction as its state change (Add for PostgreSQL,
// MongoEvents for MongoDB), and a relay publishes them to JetStream.
//
// The plain version is all a service needs: Add inserts the rows and a
// NOTIFY in the writer's transaction; the Relay, woken by that NOTIFY (and
// by a poll), claims the unsent rows with FOR UPDATE SKIP LOCKED, publishes
// them, waits for JetStream's acks and marks them sent.
//
// One optimisation sits behind a seam of its own, Handoff: created when a
// service is wired and passed to both its writers and its relay, it lets a
// writer hand its events to the relay as it commits, so the relay
// publishes them without claiming them first (docs/adr/0006-outbox-and-inbox.md).
//
// Delivery is at least once: a relay that dies after JetStream stored a
// batch but before it marked the rows sent publishes them again, and
// JetStream drops the copies because every message's Nats-Msg-Id is the
// event id. Consumers deduplicate anything older than the stream's
// duplicate window with package inbox.
package outbox
