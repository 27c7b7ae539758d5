package e2e_test

import (
	"net/http"
	"testing"

	"github.com/eventshop/eventshop/tools/client"
)

// TestAdminSeesEveryBreaker reads the gateway's admin breaker list and
// expects the gateway's breaker per upstream and each service's breakers for
// its own outgoing calls, all closed on a healthy platform.
func TestAdminSeesEveryBreaker(t *testing.T) {
	gw := client.ViaGateway(shop.stack.URL("gateway")).As(shop.admin.Token)
	var out struct {
		Items []struct{ Name, State string }
	}
	if _, err := gw.Do(testContext(t), http.MethodGet, "/api/v1/admin/breakers", nil, nil, &out); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, b := range out.Items {
		got[b.Name] = b.State
	}
	for _, name := range []string{"order", "inventory", "payment", "notification",
		"order-inventory", "payment-provider", "notification-log"} {
		if got[name] != "closed" {
			t.Errorf("breaker %s: state %q, want closed (list: %v)", name, got[name], got)
		}
	}
}
