// Package startup is what every eventshop binary does before and around its
// own work, written once: it stops on SIGINT and SIGTERM, builds the logger,
// reads the configuration and logs it (secrets masked), sets up tracing
// (pkg/tracing, from the OTEL_* variables) and flushes its spans at exit, refuses the
// published development JWT secret outside a developer's machine, runs
// `<binary> migrate` (apply the migrations, then exit 0) for Kubernetes init
// containers, and turns the outcome into the exit status.
//
// What each service wires (its database, consumers, relay and HTTP routes)
// stays in the service's own internal/service package: see ADR 0015.
//
// The package keeps no state of its own: a Binary is a value the main
// package builds and hands to Main.
package startup
