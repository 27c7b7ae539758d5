package outbox_test

import (
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/testkit"
)

// serviceMigrations is a service's migration set as an embed.FS would hold it.
var serviceMigrations = fstest.MapFS{
	"00001_orders.sql": {Data: []byte("-- +goose Up\nCREATE TABLE orders (id text PRIMARY KEY);\n-- +goose Down\nDROP TABLE orders;\n")},
	"00002_status.sql": {Data: []byte("-- +goose Up\nALTER TABLE orders ADD COLUMN status text;\n-- +goose Down\nALTER TABLE orders DROP COLUMN status;\n")},
}

// TestOpenMigratesOnceWhenReplicasStartTogether opens one database from
// several replicas at once; each migration must be applied exactly once.
func TestOpenMigratesOnceWhenReplicasStartTogether(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fsys fstest.MapFS
	}{
		{"files at the root", serviceMigrations},
		{"files in a migrations directory", fstest.MapFS{
			"migrations/00001_orders.sql": serviceMigrations["00001_orders.sql"],
			"migrations/00002_status.sql": serviceMigrations["00002_status.sql"],
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := testkit.Postgres(t)
			pools := make([]*pgxpool.Pool, 3)
			errs := make([]error, len(pools))
			var wg sync.WaitGroup
			for i := range pools {
				wg.Go(func() { pools[i], errs[i] = pgdb.Open(t.Context(), url, tc.fsys) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("replica %d: %v", i, err)
				}
				t.Cleanup(pools[i].Close)
			}
			want := map[string][]int64{
				pgdb.PlatformVersionTable: {0, 1, 2, 3},
				"goose_db_version":        {0, 1, 2},
			}
			got := map[string][]int64{}
			for table := range want {
				got[table] = versions(t, pools[0], table)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("applied versions (-want +got):\n%s", diff)
			}
		})
	}
}

// versions lists the applied versions in a goose version table.
func versions(t *testing.T, pool *pgxpool.Pool, table string) []int64 {
	t.Helper()
	rows, _ := pool.Query(t.Context(),
		"SELECT version_id FROM "+pgx.Identifier{table}.Sanitize()+" WHERE is_applied ORDER BY id")
	v, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	return v
}
