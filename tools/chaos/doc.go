// Package chaos runs the platform under steady load while it breaks its
// parts on purpose, then checks that nothing was lost or repeated.
//
// The platform runs as tools/stack starts it, every part a process of its
// own (nats-server, PostgreSQL, FerretDB, each service, the payment
// provider, the gateway), and every link between them passes through a
// toxiproxy proxy hosted in this process (see Links): service to NATS,
// service to PostgreSQL, notification to FerretDB, order to inventory,
// payment to provider, gateway to each service. A Schedule of faults —
// kill -9 of processes, PostgreSQL stopped in immediate mode, latency,
// bandwidth caps, connection resets, black holes, a provider outage, a
// handler slower than the ack wait, a flood of duplicate events — runs
// while tools/load sends orders at a constant rate. When the faults are
// over and the platform has settled, Check counts what was lost,
// duplicated or stuck (tools/invariants, plus the dead-letter stream), and
// the Result gives the time each kind of fault took to recover from.
package chaos
