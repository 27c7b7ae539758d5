package testkit_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestPostgresGivesDistinctEmptyDatabases(t *testing.T) {
	t.Parallel()
	urls := []string{testkit.Postgres(t), testkit.Postgres(t)}
	if urls[0] == urls[1] {
		t.Fatalf("both calls returned %q", urls[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	var names []string
	for _, u := range urls {
		conn := connect(ctx, t, u)
		var name string
		var tables int
		err := conn.QueryRow(ctx, `SELECT current_database(),
			(SELECT count(*) FROM pg_tables WHERE schemaname = 'public')`).Scan(&name, &tables)
		if err != nil {
			t.Fatalf("query %s: %v", u, err)
		}
		if tables != 0 {
			t.Errorf("database %s has %d tables, want none", name, tables)
		}
		if _, err := conn.Exec(ctx, "CREATE TABLE t (id int)"); err != nil {
			t.Fatalf("create table in %s: %v", name, err)
		}
		names = append(names, name)
	}
	if names[0] == names[1] {
		t.Errorf("both URLs reach database %q", names[0])
	}
}

func TestPostgresDropsDatabaseAfterTest(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("user", func(t *testing.T) {
		conn := connect(context.Background(), t, testkit.Postgres(t))
		if err := conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
			t.Fatalf("query: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	admin := connect(ctx, t, testkit.PostgresAdminURL(t))
	rows, err := admin.Query(ctx, "SELECT datname FROM pg_database WHERE datname = $1", name)
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	if len(found) != 0 {
		t.Errorf("database %q still exists after its test", name)
	}
}

func connect(ctx context.Context, t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}
