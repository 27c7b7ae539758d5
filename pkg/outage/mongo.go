package outage

import (
	"errors"
	"strings"
)

// mongoDown reports MongoDB's outages as the Go driver reports them: an
// error labelled as a network error or network timeout, or no server to
// select (every server is down). Timeouts are deadline or network errors.
//
// As for PostgreSQL, the driver's errors are recognised by their methods and
// messages, not their types, so that this package does not link the driver.
func mongoDown(err error) bool {
	var labelled interface{ HasErrorLabel(string) bool }
	if errors.As(err, &labelled) &&
		(labelled.HasErrorLabel("NetworkError") || labelled.HasErrorLabel("NetworkTimeoutError")) {
		return true
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		// topology.ServerSelectionError, which wraps the selection's timeout.
		if strings.HasPrefix(e.Error(), "server selection error") {
			return true
		}
	}
	return false
}
