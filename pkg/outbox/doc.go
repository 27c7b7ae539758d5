// Package outbox implements the transactional outbox: a service writes its
// events in the same transaction as its state change (Add for PostgreSQL,
// MongoEvents for MongoDB), and a relay publishes them to JetStream.
//
// Delivery is at least once: a relay that dies after JetStream stored a
// batch but before it marked the rows sent publishes them again, and
// JetStream drops the copies because every message's Nats-Msg-Id is the
// event id. Consumers deduplicate anything older than the stream's
// duplicate window with package inbox.
package outbox
