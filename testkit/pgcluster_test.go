package testkit_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/testkit"
)

func TestStartPostgres(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      func(t *testing.T) testkit.PGOptions
		wantFsync string
	}{
		{"throwaway", func(*testing.T) testkit.PGOptions { return testkit.PGOptions{} }, "off"},
		{"persistent with fsync", func(t *testing.T) testkit.PGOptions {
			return testkit.PGOptions{DataDir: filepath.Join(sharedTempDir(t), "pg"), Fsync: true}
		}, "on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := tt.opts(t)
			c := startPostgres(t, opts)
			if err := c.CreateDatabase(context.Background(), "shop"); err != nil {
				t.Fatalf("create database: %v", err)
			}
			fsync, dataDir := runSQL(t, c.URL("shop"),
				"CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)")
			if fsync != tt.wantFsync {
				t.Errorf("fsync = %q, want %q", fsync, tt.wantFsync)
			}
			if err := c.Stop(); err != nil {
				t.Fatalf("stop: %v", err)
			}
			if opts.DataDir == "" {
				if _, err := os.Stat(dataDir); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("data directory %s after Stop: %v, want it removed", dataDir, err)
				}
				return
			}
			c = startPostgres(t, opts)
			runSQL(t, c.URL("shop"), "SELECT 1/count(*) FROM kept") // fails unless the row survived
		})
	}
}

func startPostgres(t *testing.T, opts testkit.PGOptions) *testkit.PGCluster {
	t.Helper()
	c, err := testkit.StartPostgres(opts)
	if err != nil {
		t.Fatalf("start postgres: %v", err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// runSQL runs sql in the database at url and returns the fsync setting and
// the data directory.
func runSQL(t *testing.T, url, sql string) (fsync, dataDir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	err = conn.QueryRow(ctx, "SELECT current_setting('fsync'), current_setting('data_directory')").
		Scan(&fsync, &dataDir)
	if err != nil {
		t.Fatalf("settings: %v", err)
	}
	return fsync, dataDir
}

func TestStartPostgresUnreachableDataDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs the server as another user")
	}
	t.Parallel()
	private := t.TempDir() // 0700, owned by root
	_, err := testkit.StartPostgres(testkit.PGOptions{DataDir: filepath.Join(private, "pg")})
	if err == nil || !strings.Contains(err.Error(), "cannot enter "+filepath.Dir(private)) {
		t.Errorf("StartPostgres under %s: error %v, want one naming its parent", private, err)
	}
}
