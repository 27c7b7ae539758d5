package stack

import (
	"context"
	"errors"
	"fmt"
)

// errExternalPostgres refuses to stop a PostgreSQL server the stack did not
// start (Options.PostgresURL).
var errExternalPostgres = errors.New("postgres was not started by the stack")

// StopPostgres stops the stack's PostgreSQL server in immediate mode, as a
// crash would, keeping its data and port, and holds it down (its
// supervisor does not restart it); the services see it unavailable until
// StartPostgres.
func (s *Stack) StopPostgres(ctx context.Context) error {
	if s.Postgres == nil {
		return errExternalPostgres
	}
	if err := s.Postgres.StopImmediate(); err != nil {
		return fmt.Errorf("stop postgres: %w", err)
	}
	return ctx.Err()
}

// StartPostgres starts the server StopPostgres stopped, on the same data and
// port, and waits until it accepts connections.
func (s *Stack) StartPostgres(ctx context.Context) error {
	if s.Postgres == nil {
		return errExternalPostgres
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.Postgres.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	return nil
}
