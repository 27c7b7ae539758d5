package migrations_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/services/inventory/migrations"
	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestMigrationsRunAsServiceRole migrates a database as its owner, a role
// without superuser rights, as the launcher and compose set it up.
func TestMigrationsRunAsServiceRole(t *testing.T) {
	ctx := context.Background()
	adminURL := testkit.PostgresAdminURL(t)
	admin, err := pgxpool.New(ctx, adminURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admin.Close)
	name := "inventory_" + uuid.NewString()[:8]
	for _, stmt := range []string{
		fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD 'secret' NOSUPERUSER NOCREATEDB NOCREATEROLE`, name),
		fmt.Sprintf(`CREATE DATABASE %s OWNER %s`, name, name),
	} {
		if _, err := admin.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
		_, _ = admin.Exec(context.Background(), fmt.Sprintf(`DROP ROLE IF EXISTS %s`, name))
	})

	u, err := url.Parse(adminURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User, u.Path = url.UserPassword(name, "secret"), "/"+name
	pool, err := pgdb.Open(ctx, u.String(), migrations.FS)
	if err != nil {
		t.Fatalf("migrate as %s: %v", name, err)
	}
	defer pool.Close()
	var tables int
	err = pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename IN ('products', 'reservations', 'outbox', 'inbox')`).Scan(&tables)
	if err != nil || tables != 4 {
		t.Errorf("tables = %d, %v; want 4", tables, err)
	}
}
