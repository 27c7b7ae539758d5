// Package leader elects one replica of a service to run the jobs that must
// run once per service, not once per process: the periodic sweeps (saga
// timeouts, idempotency keys, inbox pruning, held authorisations, due
// notifications). Every replica runs an elector; the one that wins runs the
// jobs, the others wait, and when the winner dies or loses its database
// another one takes over.
//
// Postgres elects with a session-level advisory lock, as the outbox relay
// does: PostgreSQL releases it as soon as the holder's connection ends, so a
// killed leader is replaced within the retry interval. Mongo elects with a
// lease document that the leader renews; MongoDB has no lock bound to a
// session, so on its own a killed leader is replaced when its lease runs
// out. Given a Liveness, a standby instead asks, every quarter second,
// whether the lease's holder is gone, and takes the lease over at once when
// it is: NATSLiveness knows because the holder answers on a NATS
// subscription, which the server drops the moment the killed process's
// connection closes. A holder that answers late is not gone: only the
// lease's end replaces it.
//
// An election is a matter of efficiency, not of correctness: every job the
// services run this way stays safe when two replicas run it at once (rows
// are claimed with SKIP LOCKED, notifications with a conditional claim,
// deletes are idempotent, relayed events are dropped as copies by
// Nats-Msg-Id), which they briefly may when a leader is cut off from its
// database without noticing, or, with a Liveness, from NATS only: a
// standby then takes its lease, and the old leader stops at its next
// renewal.
package leader
