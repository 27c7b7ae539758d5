// Package migrations holds the inventory's goose migrations, embedded so the
// binary migrates its own database at start-up (pgdb.Open).
//
// The migrations run as the service's own database role and never assume a
// superuser: the launcher and docker compose create one role and one database
// per service, owned by that role, and the service only creates tables in it.
package migrations

import "embed"

// FS is the directory of goose SQL files, at its root.
//
//go:embed *.sql
var FS embed.FS
