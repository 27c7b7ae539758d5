package order_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/testkit"
)

// TestMigrateAppliesTheMigrationsAndExits runs `order migrate`, as a
// Kubernetes init container does: it must create the tables and exit 0
// without serving.
func TestMigrateAppliesTheMigrationsAndExits(t *testing.T) {
	url := testkit.Postgres(t)
	bin := testkit.BuildBinary(t, "../../..", "./cmd/order")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "migrate")
	cmd.Env = append(os.Environ(), "ORDER_DATABASE_URL="+url, "ORDER_JWT_SECRET=migrate-test-secret")
	out, err := cmd.CombinedOutput()
	if err != nil || ctx.Err() != nil {
		t.Fatalf("order migrate: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "migrated") {
		t.Errorf("order migrate logged no end of migration:\n%s", out)
	}
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(t.Context()))
	var exists bool
	if err := conn.QueryRow(t.Context(), `SELECT to_regclass('orders') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		t.Errorf("table orders exists = %v (%v), want true after migrate", exists, err)
	}
}
