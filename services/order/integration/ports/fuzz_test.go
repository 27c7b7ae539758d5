package ports_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// FuzzPlaceOrderBody sends arbitrary bodies to POST /api/v1/orders. Whatever
// the body, the answer is a placed order whose total adds up, or a 4xx
// problem that stored nothing; never a 5xx.
func FuzzPlaceOrderBody(f *testing.F) {
	for _, seed := range []string{
		validBody,
		`{"items":[{"sku":"SKU-A","quantity":1}],"payment_method":"tok_decline"}`,
		`{"items":[{"sku":"SKU-A","quantity":0}],"payment_method":"tok_visa"}`,
		`{"items":[{"sku":"SKU-NOPE","quantity":1}],"payment_method":"tok_visa"}`,
		`{"items":[{"sku":"SKU-A","quantity":1e9}],"payment_method":"tok_visa"}`,
		`{"items":null,"payment_method":""}`,
		`{"items":[{"sku":"SKU-A","quantity":1,"x":1}]}`,
		`[]`, `null`, `{`, ``,
	} {
		f.Add([]byte(seed))
	}
	e := newEnv(f, nil)
	prices := map[string]int64{"SKU-A": 100, "SKU-B": 250}
	f.Fuzz(func(t *testing.T, body []byte) {
		before := e.count(t, `SELECT count(*) FROM orders`)
		r := e.do(t, "alice", http.MethodPost, "/api/v1/orders", bytes.NewReader(body))
		after := e.count(t, `SELECT count(*) FROM orders`)
		switch r.Status {
		case http.StatusAccepted:
			var p placed
			r.decode(t, &p)
			var total int64
			for _, it := range p.Items {
				total += int64(it.Quantity) * prices[it.SKU]
			}
			if p.Status != "PENDING" || total != p.TotalCents || len(p.Items) == 0 || len(p.Items) > 20 {
				t.Errorf("placed order does not add up: %s", r.Body)
			}
			if after != before+1 {
				t.Errorf("orders went from %d to %d on a 202", before, after)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("status %d without a problem body: %s", r.Status, r.Body)
			}
			if after != before {
				t.Errorf("a %d stored an order", r.Status)
			}
		default:
			t.Errorf("status %d for body %q: %s", r.Status, body, r.Body)
		}
	})
}
