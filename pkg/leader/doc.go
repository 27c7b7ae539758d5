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
// lease document that the leader renews; a killed leader is replaced when
// its lease runs out.
//
// An election is a matter of efficiency, not of correctness: every job the
// services run this way stays safe when two replicas run it at once (rows
// are claimed with SKIP LOCKED, deletes are idempotent), which they briefly
// may when a leader is cut off from its database without noticing.
package leader
