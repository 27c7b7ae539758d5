package ports_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/eventshop/eventshop/services/inventory/internal/adapters/postgres"
	"github.com/eventshop/eventshop/testkit/pagetest"
)

// skuPage is the body of both catalogue lists, reduced to what paging needs.
type skuPage struct {
	Items []struct {
		SKU string `json:"sku"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func TestListsPageEveryProductOnceWhileProductsArrive(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"/api/v1/products", "/api/v1/admin/inventory"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t)
			want := []string{"SKU-A", "SKU-B"}
			for i := range 6 {
				want = append(want, fmt.Sprintf("SKU-M%d", i))
			}
			seed(t, a, want[2:]...)
			var added []string
			got := pagetest.Walk(t, func(cursor string) pagetest.Page {
				rec := a.do(http.MethodGet, path+"?limit=3&cursor="+url.QueryEscape(cursor), "admin", "")
				if rec.Code != http.StatusOK {
					t.Fatalf("list: status %d: %s", rec.Code, rec.Body)
				}
				p := decode[skuPage](t, rec)
				var skus []string
				for _, it := range p.Items {
					skus = append(skus, it.SKU)
				}
				if p.NextCursor == nil {
					return pagetest.Page{IDs: skus}
				}
				return pagetest.Page{IDs: skus, Next: *p.NextCursor}
			}, func() {
				// one product sorts before every cursor, one after them all
				n := len(added) / 2
				more := []string{fmt.Sprintf("SKU-0%d", n), fmt.Sprintf("SKU-Z%d", n)}
				seed(t, a, more...)
				added = append(added, more...)
			})
			pagetest.ExactlyOnce(t, got, want, added)
			for _, sku := range added {
				if sku[4] == 'Z' && !slices.Contains(got, sku) {
					t.Errorf("%s, added past every cursor, was not listed", sku)
				}
			}
		})
	}
}

func TestProductsFilteredBySKUFitOnePage(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var skus []string
	q := url.Values{}
	for i := range 60 {
		skus = append(skus, fmt.Sprintf("SKU-F%02d", i))
		q.Add("sku", skus[i])
	}
	seed(t, a, skus...)
	p := decode[skuPage](t, a.do(http.MethodGet, "/api/v1/products?"+q.Encode(), "", ""))
	if len(p.Items) != 60 || p.NextCursor != nil {
		t.Errorf("%d products and next cursor %v; want all 60 on one page", len(p.Items), p.NextCursor)
	}
}

func TestListsRejectBadPageRequests(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	for _, path := range []string{"/api/v1/products", "/api/v1/admin/inventory"} {
		for _, query := range []string{"limit=0", "limit=501", "limit=x", "cursor=***", "cursor=WyJhIiwiYiJd"} {
			rec := a.do(http.MethodGet, path+"?"+query, "admin", "")
			if rec.Code != http.StatusBadRequest {
				t.Errorf("%s?%s: status %d, want 400: %s", path, query, rec.Code, rec.Body)
				continue
			}
			checkProblem(t, rec, http.StatusBadRequest)
		}
	}
}

func seed(t *testing.T, a *api, skus ...string) {
	t.Helper()
	products := make([]postgres.SeedProduct, len(skus))
	for i, sku := range skus {
		products[i] = postgres.SeedProduct{SKU: sku, Name: "Product " + sku, PriceCents: 100, Currency: "EUR", Stock: 1}
	}
	if _, err := postgres.Seed(context.Background(), a.pool, products); err != nil {
		t.Fatal(err)
	}
}
