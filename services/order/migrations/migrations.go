// Package migrations embeds the order service's goose migrations.
package migrations

import "embed"

// FS holds the *.sql migrations at its root, for pgdb.Open.
//
//go:embed *.sql
var FS embed.FS
