// Package outbox is a fixture.
package outbox

// Wake does nothing.
func Wake() {}
