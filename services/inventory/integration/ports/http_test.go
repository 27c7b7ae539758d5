package ports_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/pkg/problem"
	"github.com/eventshop/eventshop/services/inventory/internal/ports"
)

var authConfig = auth.Config{Secret: "inventory-test-secret"}

// api serves the inventory's routes in-process on a fresh database.
type api struct {
	t      *testing.T
	server *httpserver.Server
	pool   *pgxpool.Pool
}

func newAPI(t *testing.T) *api {
	t.Helper()
	v, err := auth.NewVerifier(context.Background(), authConfig)
	if err != nil {
		t.Fatalf("verifier: %v", err)
	}
	pool := newDatabase(t)
	srv := httpserver.New(discard, "inventory")
	ports.NewHTTPServer(newApp(pool)).Register(srv.Echo, v)
	return &api{t: t, server: srv, pool: pool}
}

// do sends a request as user ("" for anonymous) and returns the response.
func (a *api) do(method, path, user, body string) *httptest.ResponseRecorder {
	a.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		tok, err := auth.NewIssuer(authConfig, 0).Token(user)
		if err != nil {
			a.t.Fatalf("token for %s: %v", user, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	a.server.Echo.ServeHTTP(rec, req)
	return rec
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
	return v
}

type productJSON struct {
	SKU        string `json:"sku"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
	Currency   string `json:"currency"`
	Available  int64  `json:"available"`
}

type stockJSON struct {
	SKU       string `json:"sku"`
	Available int64  `json:"available"`
	Reserved  int64  `json:"reserved"`
	Sold      int64  `json:"sold"`
}

var (
	productA = productJSON{SKU: "SKU-A", Name: "Product A", PriceCents: 1500, Currency: "EUR", Available: 5}
	productB = productJSON{SKU: "SKU-B", Name: "Product B", PriceCents: 250, Currency: "EUR", Available: 2}
)

func TestProductRoutes(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	tests := []struct {
		name       string
		path       string
		wantStatus int
		want       any
	}{
		{name: "catalogue", path: "/api/v1/products", wantStatus: http.StatusOK,
			want: map[string][]productJSON{"items": {productA, productB}}},
		{name: "filtered by sku", path: "/api/v1/products?sku=SKU-B&sku=SKU-NOPE", wantStatus: http.StatusOK,
			want: map[string][]productJSON{"items": {productB}}},
		{name: "filter matching nothing", path: "/api/v1/products?sku=SKU-NOPE", wantStatus: http.StatusOK,
			want: map[string][]productJSON{"items": {}}},
		{name: "one product", path: "/api/v1/products/SKU-A", wantStatus: http.StatusOK, want: productA},
		{name: "unknown product", path: "/api/v1/products/SKU-NOPE", wantStatus: http.StatusNotFound},
		{name: "too many skus", path: "/api/v1/products?" + strings.Repeat("sku=S&", 101), wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := a.do(http.MethodGet, tt.path, "", "")
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			switch want := tt.want.(type) {
			case nil:
				checkProblem(t, rec, tt.wantStatus)
			case productJSON:
				if diff := cmp.Diff(want, decode[productJSON](t, rec)); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			case map[string][]productJSON:
				if diff := cmp.Diff(want, decode[map[string][]productJSON](t, rec)); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func checkProblem(t *testing.T, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != problem.ContentType {
		t.Errorf("content type = %q, want %q", ct, problem.ContentType)
	}
	if p := decode[problem.Problem](t, rec); p.Status != status {
		t.Errorf("problem status = %d, want %d", p.Status, status)
	}
}
