package outage

import (
	"errors"
	"strings"
)

// postgres reports PostgreSQL's outages as pgx reports them: an error that
// the driver marks safe to retry (no connection could be made, the
// connection was closed, or an answer could not be read), but for "conn
// busy", which is a bug of the caller; or a server that said it is gone,
// shutting down, starting or full (SQLSTATE class 08 and 57P01-57P03,
// 53300). Connection refused, reset and timed out are network errors too.
//
// The driver's errors are recognised by their methods, not their types, so
// that this package, and the gateway that uses it, do not link the driver.
func postgres(err error) bool {
	var retryable interface {
		error
		SafeToRetry() bool
	}
	if errors.As(err, &retryable) && retryable.SafeToRetry() && retryable.Error() != "conn busy" {
		return true
	}
	var coded interface{ SQLState() string }
	if !errors.As(err, &coded) {
		return false
	}
	code := coded.SQLState()
	return strings.HasPrefix(code, "08") || serverGoingAway(code)
}

// serverGoingAway reports the SQLSTATEs of a server that is going away or
// not taking work: admin_shutdown, crash_shutdown, cannot_connect_now and
// too_many_connections. database_dropped (57P04) is left out: it does not
// come back.
func serverGoingAway(code string) bool {
	switch code {
	case "57P01", "57P02", "57P03", "53300":
		return true
	}
	return false
}
