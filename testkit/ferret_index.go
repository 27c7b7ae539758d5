package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"

	_ "modernc.org/sqlite" // the driver FerretDB's SQLite backend uses
)

// IndexIDLookups adds to every collection of the FerretDB in dir the index
// its _id lookups can use, and is safe to repeat.
//
// FerretDB v1's SQLite backend indexes _id as _ferretdb_sjson->"_id" but
// looks documents up with _ferretdb_sjson->'$._id', an expression SQLite
// does not match to that index; so every find, update or delete by _id
// reads and parses the whole collection, and a store that grows slows down
// every write. An index on the exact expression turns those into index
// searches. The tables are FerretDB's own (listed in _ferretdb_collections):
// a file without that table is left alone. Indexes are kept by SQLite on
// every insert; FerretDB does not list them and drops them with their
// collection.
func IndexIDLookups(ctx context.Context, dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := indexIDLookups(ctx, f); err != nil {
			return fmt.Errorf("index %s: %w", filepath.Base(f), err)
		}
	}
	return nil
}

func indexIDLookups(ctx context.Context, file string) error {
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	tables, err := ferretTables(ctx, db)
	if err != nil {
		return err
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE UNIQUE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, t+"_id_lookup", t)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// ferretTables lists the collection tables of a FerretDB SQLite file.
func ferretTables(ctx context.Context, db *sql.DB) ([]string, error) {
	var found int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_ferretdb_collections'`).Scan(&found)
	if err != nil || found == 0 {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, rows.Err()
}
