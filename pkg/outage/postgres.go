package outage

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// postgres reports PostgreSQL's outages: no connection could be made, the
// connection was closed or timed out, or the server said it is shutting down,
// starting or full.
func postgres(err error) bool {
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || pgconn.Timeout(err) || errors.Is(err, pgconn.ErrConnClosed) {
		return true
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	return strings.HasPrefix(pgErr.Code, "08") || serverGoingAway(pgErr.Code)
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
