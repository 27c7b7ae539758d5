package ports_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestInventoryNeedsAdmin(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	tests := []struct {
		user       string
		wantStatus int
	}{
		{user: "", wantStatus: http.StatusUnauthorized},
		{user: "alice", wantStatus: http.StatusForbidden},
		{user: "admin", wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run("user="+tt.user, func(t *testing.T) {
			t.Parallel()
			rec := a.do(http.MethodGet, "/api/v1/admin/inventory", tt.user, "")
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantStatus != http.StatusOK {
				checkProblem(t, rec, tt.wantStatus)
				return
			}
			want := map[string][]stockJSON{"items": {{SKU: "SKU-A", Available: 5}, {SKU: "SKU-B", Available: 2}}}
			if diff := cmp.Diff(want, decode[map[string][]stockJSON](t, rec)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRestock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		user       string
		sku        string
		body       string
		wantStatus int
		wantEvents int
		wantAvail  int64
	}{
		{name: "admin", user: "admin", sku: "SKU-A", body: `{"quantity":10}`, wantStatus: http.StatusOK, wantEvents: 1, wantAvail: 15},
		{name: "largest", user: "admin", sku: "SKU-A", body: `{"quantity":1000000}`, wantStatus: http.StatusOK, wantEvents: 1, wantAvail: 1_000_005},
		{name: "anonymous", sku: "SKU-A", body: `{"quantity":10}`, wantStatus: http.StatusUnauthorized},
		{name: "customer", user: "alice", sku: "SKU-A", body: `{"quantity":10}`, wantStatus: http.StatusForbidden},
		{name: "not json", user: "admin", sku: "SKU-A", body: `quantity=10`, wantStatus: http.StatusBadRequest},
		{name: "string quantity", user: "admin", sku: "SKU-A", body: `{"quantity":"10"}`, wantStatus: http.StatusBadRequest},
		{name: "unknown field", user: "admin", sku: "SKU-A", body: `{"quantity":1,"price":2}`, wantStatus: http.StatusBadRequest},
		{name: "missing quantity", user: "admin", sku: "SKU-A", body: `{}`, wantStatus: http.StatusUnprocessableEntity},
		{name: "zero", user: "admin", sku: "SKU-A", body: `{"quantity":0}`, wantStatus: http.StatusUnprocessableEntity},
		{name: "negative", user: "admin", sku: "SKU-A", body: `{"quantity":-5}`, wantStatus: http.StatusUnprocessableEntity},
		{name: "too many", user: "admin", sku: "SKU-A", body: `{"quantity":1000001}`, wantStatus: http.StatusUnprocessableEntity},
		{name: "unknown sku", user: "admin", sku: "SKU-NOPE", body: `{"quantity":1}`, wantStatus: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			rec := a.do(http.MethodPost, "/api/v1/admin/products/"+tt.sku+"/restock", tt.user, tt.body)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantStatus == http.StatusOK {
				want := stockJSON{SKU: tt.sku, Available: tt.wantAvail}
				if diff := cmp.Diff(want, decode[stockJSON](t, rec)); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			} else {
				checkProblem(t, rec, tt.wantStatus)
			}
			var events int
			err := a.pool.QueryRow(context.Background(),
				`SELECT count(*) FROM outbox WHERE type = 'inventory.stock_changed.v1'`).Scan(&events)
			if err != nil || events != tt.wantEvents {
				t.Errorf("stock_changed events = %d (%v), want %d", events, err, tt.wantEvents)
			}
		})
	}
}
