// Package outage tells a dependency that is unavailable (a database, NATS or
// a peer that is down, unreachable, restarting or too slow) from a request
// that can never succeed, and waits for the dependency to come back.
//
// The classification is in one place, Is, so that the consumer wrapper
// (pkg/bus), the HTTP error handler (pkg/httpserver) and the start-up of
// every service decide the same way: an outage is waited for, never
// dead-lettered, and answered with 503 and Retry-After. Each store the
// platform uses contributes the errors its driver reports for an outage
// (postgres.go, mongo.go, nats.go, network.go); an adapter whose failure is
// an outage the drivers cannot recognise (a peer's 503, say) wraps its error
// with Mark. See docs/adr/0014-outages-are-waited-for.md.
package outage

import (
	"context"
	"errors"
)

// unavailableError marks an error as caused by an unavailable dependency.
type unavailableError struct{ err error }

func (e unavailableError) Error() string { return e.err.Error() }
func (e unavailableError) Unwrap() error { return e.err }

// Mark marks err as caused by an unavailable dependency, for adapters whose
// outage the drivers' errors do not show. Mark(nil) is nil.
func Mark(err error) error {
	if err == nil {
		return nil
	}
	return unavailableError{err: err}
}

// Is reports whether err, or any error it wraps, says that a dependency is
// unavailable for now: a connection refused, reset or timed out, a database
// shutting down or not accepting connections, NATS without responders, a
// breaker that is open, or an error marked with Mark. A cancelled context is
// not an outage: it means the caller gave up.
func Is(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var marked unavailableError
	return errors.As(err, &marked) ||
		errors.Is(err, context.DeadlineExceeded) ||
		network(err) || postgres(err) || mongoDown(err) || natsDown(err) || breakerOpen(err)
}
