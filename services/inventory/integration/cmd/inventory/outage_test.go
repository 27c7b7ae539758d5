package inventory_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eventshop/eventshop/services/inventory/internal/adapters/postgres"
	"github.com/eventshop/eventshop/testkit"
)

// TestStartsWithDatabaseDownAndRidesThroughOutages starts the service
// binary while its PostgreSQL is stopped. It must stay up, live but not
// ready, answer the catalogue with 503 and Retry-After, log the outage once,
// and become ready and serve once the database starts, without a restart;
// and do the same when the database goes away and comes back while it runs.
func TestStartsWithDatabaseDownAndRidesThroughOutages(t *testing.T) {
	// Durable settings, as a real server has: an immediate stop must not
	// lose what was committed.
	pg, err := testkit.StartPostgres(testkit.PGOptions{Fsync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	if err := pg.StopImmediate(); err != nil {
		t.Fatal(err)
	}
	addr := testkit.FreeAddr(t)
	t.Setenv("INVENTORY_HTTP_ADDR", addr)
	t.Setenv("INVENTORY_DATABASE_URL", pg.URL("postgres")+"&connect_timeout=2")
	t.Setenv("INVENTORY_NATS_URL", testkit.NATS(t).URL())
	t.Setenv("INVENTORY_JWT_SECRET", "outage-test-secret")
	svc := testkit.StartBinary(t, "../../..", "./cmd/inventory")
	t.Cleanup(func() {
		if err := svc.Stop(); err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	})
	base := "http://" + addr

	testkit.EventuallyErr(t, 60*time.Second, func() error { return testkit.Status(base+"/healthz", http.StatusOK) })
	expectDown(t, base)
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	testkit.WaitReady(t, base, 60*time.Second)
	expectCatalogue(t, base)
	logs := svc.Logs()
	for _, line := range []string{"database unavailable, waiting for it", "database available again"} {
		if n := strings.Count(logs, line); n != 1 {
			t.Errorf("logged %q %d times during the start-up outage, want once", line, n)
		}
	}

	if err := pg.StopImmediate(); err != nil {
		t.Fatal(err)
	}
	testkit.EventuallyErr(t, 30*time.Second, func() error { return testkit.Status(base+"/readyz", http.StatusServiceUnavailable) })
	expectDown(t, base)
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	testkit.WaitReady(t, base, 60*time.Second)
	expectCatalogue(t, base)
}

// TestStartsWithNATSDownAndBecomesReady starts the service binary while
// NATS is stopped: it stays live and not ready, and becomes ready once NATS
// starts, without a restart.
func TestStartsWithNATSDownAndBecomesReady(t *testing.T) {
	nats := testkit.NATS(t)
	nats.Stop()
	addr := testkit.FreeAddr(t)
	t.Setenv("INVENTORY_HTTP_ADDR", addr)
	t.Setenv("INVENTORY_DATABASE_URL", testkit.Postgres(t))
	t.Setenv("INVENTORY_NATS_URL", nats.URL())
	t.Setenv("INVENTORY_JWT_SECRET", "outage-test-secret")
	svc := testkit.StartBinary(t, "../../..", "./cmd/inventory")
	t.Cleanup(func() {
		if err := svc.Stop(); err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	})
	base := "http://" + addr

	testkit.EventuallyErr(t, 60*time.Second, func() error { return testkit.Status(base+"/healthz", http.StatusOK) })
	if err := testkit.Status(base+"/readyz", http.StatusServiceUnavailable); err != nil {
		t.Errorf("readiness while NATS is down: %v", err)
	}
	nats.Start(t)
	testkit.WaitReady(t, base, 60*time.Second)
	expectCatalogue(t, base)
}

// expectDown checks that the service is live, not ready, and answers the
// catalogue with a 503 problem that says when to retry.
func expectDown(t *testing.T, base string) {
	t.Helper()
	if err := testkit.Status(base+"/healthz", http.StatusOK); err != nil {
		t.Errorf("liveness while the database is down: %v", err)
	}
	if err := testkit.Status(base+"/readyz", http.StatusServiceUnavailable); err != nil {
		t.Errorf("readiness while the database is down: %v", err)
	}
	res, err := http.Get(base + "/api/v1/products")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /api/v1/products: %s, want 503", res.Status)
	}
	if res.Header.Get("Retry-After") == "" {
		t.Error("GET /api/v1/products: no Retry-After")
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("GET /api/v1/products: Content-Type %q, want application/problem+json", ct)
	}
}

// expectCatalogue checks that the seeded catalogue is served.
func expectCatalogue(t *testing.T, base string) {
	t.Helper()
	var body struct {
		Items []struct{ SKU string } `json:"items"`
	}
	if err := getJSON(base+"/api/v1/products", &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Items) != len(postgres.Catalogue) {
		t.Errorf("catalogue has %d products, want %d", len(body.Items), len(postgres.Catalogue))
	}
}
