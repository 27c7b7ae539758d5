package inventory_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/eventshop/eventshop/services/inventory/internal/adapters/postgres"
	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestRunServesSeededCatalogueAndStops starts the service binary and checks
// that it migrates, seeds, becomes ready, serves the catalogue and exits
// without error on SIGTERM.
func TestRunServesSeededCatalogueAndStops(t *testing.T) {
	addr := testkit.FreeAddr(t)
	t.Setenv("INVENTORY_HTTP_ADDR", addr)
	t.Setenv("INVENTORY_DATABASE_URL", testkit.Postgres(t))
	t.Setenv("INVENTORY_NATS_URL", testkit.NATS(t).URL())
	t.Setenv("INVENTORY_JWT_SECRET", "run-test-secret")

	svc := testkit.StartBinary(t, "../../..", "./cmd/inventory")
	t.Cleanup(func() {
		if err := svc.Stop(); err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	})

	base := "http://" + addr
	testkit.EventuallyErr(t, 30*time.Second, func() error { return getOK(base + "/readyz") })
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

func getOK(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
