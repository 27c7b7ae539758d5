package routes_test

import (
	"testing"

	"github.com/eventshop/eventshop/gateway/internal/routes"
)

func TestMatcher(t *testing.T) {
	t.Parallel()
	m := routes.NewMatcher(routes.Table, routes.Route.Proxied)
	tests := []struct{ method, path, want string }{
		{"GET", "/api/v1/products", "/api/v1/products"},
		{"GET", "/api/v1/products/SKU-1", "/api/v1/products/:sku"},
		{"GET", "/api/v1/products/", ""},
		{"GET", "/api/v1/products/a/b", ""},
		{"POST", "/api/v1/orders/o1/cancel", "/api/v1/orders/:id/cancel"},
		{"GET", "/api/v1/orders/o1/timeline", "/api/v1/orders/:id/timeline"},
		{"DELETE", "/api/v1/orders/o1", ""},
		{"GET", "/api/v1/admin/dlq", ""}, // served by the gateway itself
		{"GET", "api/v1/products", ""},
	}
	for _, tt := range tests {
		got := ""
		if r := m.Match(tt.method, tt.path); r != nil {
			got = r.Path
		}
		if got != tt.want {
			t.Errorf("Match(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}
