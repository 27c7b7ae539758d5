package ports_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/schemas"
)

func TestPlaceOrderStoresOrderAndEvent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	p := e.place(t, "alice")
	if p.Status != "PENDING" || p.TotalCents != 450 || p.Currency != "EUR" || p.CreatedAt.IsZero() {
		t.Errorf("placed = %+v", p)
	}
	var payload []byte
	err := e.pool.QueryRow(context.Background(),
		`SELECT payload FROM outbox WHERE aggregate_id = $1 AND type = 'order.placed.v2'`, p.ID).Scan(&payload)
	if err != nil {
		t.Fatalf("order.placed.v2 in outbox: %v", err)
	}
	var ev schemas.OrderPlacedV2
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatal(err)
	}
	want := schemas.OrderPlacedV2{
		OrderID: p.ID, CustomerID: "alice", TotalCents: 450, Currency: "EUR", PaymentMethod: "tok_visa", Channel: "api",
		Items: []schemas.Line{{SKU: "SKU-A", Quantity: 2, PriceCents: 100}, {SKU: "SKU-B", Quantity: 1, PriceCents: 250}},
	}
	if diff := cmp.Diff(want, ev); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}
	r := e.do(t, "alice", http.MethodGet, "/api/v1/orders/"+p.ID, nil)
	var got placed
	r.decode(t, &got)
	if r.Status != http.StatusOK || got.ID != p.ID || got.Status != "PENDING" {
		t.Errorf("GET order: %d %s", r.Status, r.Body)
	}
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	post := func(body string) response {
		return e.do(t, "alice", http.MethodPost, "/api/v1/orders", strings.NewReader(body), "Idempotency-Key", "key-1")
	}
	first := post(validBody)
	if first.Status != http.StatusAccepted {
		t.Fatalf("first: %d %s", first.Status, first.Body)
	}
	// The same request, formatted differently, is the same request.
	again := post(strings.ReplaceAll(validBody, ",", " , "))
	if again.Status != http.StatusAccepted || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v %s", again.Status, again.Header, again.Body)
	}
	if diff := cmp.Diff(string(first.Body), string(again.Body)); diff != "" {
		t.Errorf("replay body (-first +replay):\n%s", diff)
	}
	other := post(`{"items":[{"sku":"SKU-A","quantity":3}],"payment_method":"tok_visa"}`)
	if other.Status != http.StatusUnprocessableEntity || other.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("other body: %d %s", other.Status, other.Body)
	}
	if n := e.count(t, `SELECT count(*) FROM orders`); n != 1 {
		t.Errorf("orders stored = %d, want 1", n)
	}
	// The key is per customer: bob's use of it places bob's own order.
	bob := e.do(t, "bob", http.MethodPost, "/api/v1/orders", strings.NewReader(validBody), "Idempotency-Key", "key-1")
	if bob.Status != http.StatusAccepted || bob.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("bob: %d %s", bob.Status, bob.Body)
	}
}

func TestPlaceOrderRejectsBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	lines := make([]string, 21)
	for i := range lines {
		lines[i] = fmt.Sprintf(`{"sku":"SKU-%d","quantity":1}`, i)
	}
	tests := []struct {
		name, user, body string
		status           int
		detail           string
	}{
		{"malformed json", "alice", `{"items":[`, 400, "malformed"},
		{"unknown field", "alice", `{"items":[{"sku":"SKU-A","quantity":1}],"payment_method":"tok_visa","price":1}`, 400, "unknown field"},
		{"trailing data", "alice", validBody + `{}`, 400, "after"},
		{"quantity as string", "alice", `{"items":[{"sku":"SKU-A","quantity":"1"}],"payment_method":"tok_visa"}`, 400, "quantity"},
		{"quantity 1e9", "alice", `{"items":[{"sku":"SKU-A","quantity":1e9}],"payment_method":"tok_visa"}`, 400, "quantity"},
		{"quantity 0", "alice", `{"items":[{"sku":"SKU-A","quantity":0}],"payment_method":"tok_visa"}`, 422, "quantity"},
		{"quantity -1", "alice", `{"items":[{"sku":"SKU-A","quantity":-1}],"payment_method":"tok_visa"}`, 422, "quantity"},
		{"quantity 1000000000", "alice", `{"items":[{"sku":"SKU-A","quantity":1000000000}],"payment_method":"tok_visa"}`, 422, "quantity"},
		{"no items", "alice", `{"items":[],"payment_method":"tok_visa"}`, 422, "item"},
		{"21 lines", "alice", `{"items":[` + strings.Join(lines, ",") + `],"payment_method":"tok_visa"}`, 422, "at most 20"},
		{"duplicate sku", "alice", `{"items":[{"sku":"SKU-A","quantity":1},{"sku":"SKU-A","quantity":1}],"payment_method":"tok_visa"}`, 422, "more than once"},
		{"bad sku", "alice", `{"items":[{"sku":"SKU A","quantity":1}],"payment_method":"tok_visa"}`, 422, "sku"},
		{"unknown sku", "alice", `{"items":[{"sku":"SKU-A","quantity":1},{"sku":"SKU-NOPE","quantity":1}],"payment_method":"tok_visa"}`, 422, "SKU-NOPE"},
		{"missing payment_method", "alice", `{"items":[{"sku":"SKU-A","quantity":1}]}`, 422, "payment_method"},
		{"payment_method not a token", "alice", `{"items":[{"sku":"SKU-A","quantity":1}],"payment_method":"4111"}`, 422, "payment_method"},
		{"oversized body", "alice", `{"items":[],"payment_method":"` + strings.Repeat("x", 70<<10) + `"}`, 413, ""},
		{"anonymous", "", validBody, 401, ""},
		{"admin", "admin", validBody, 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, tt.user, http.MethodPost, "/api/v1/orders", bytes.NewBufferString(tt.body))
			if r.Status != tt.status {
				t.Fatalf("status = %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type = %q", ct)
			}
			var p struct {
				Status int    `json:"status"`
				Detail string `json:"detail"`
			}
			r.decode(t, &p)
			if p.Status != tt.status || !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("problem = %+v, want status %d and detail containing %q", p, tt.status, tt.detail)
			}
		})
	}
	if n := e.count(t, `SELECT count(*) FROM orders`) + e.count(t, `SELECT count(*) FROM outbox`); n != 0 {
		t.Errorf("bad input stored %d rows", n)
	}
	// Only the well-formed request with an unknown SKU needed prices.
	if n := e.inventory.calls.Load(); n != 1 {
		t.Errorf("inventory calls = %d, want 1", n)
	}
}

func TestInventoryDownIsUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.inventory.down.Store(true)
	r := e.do(t, "alice", http.MethodPost, "/api/v1/orders", strings.NewReader(validBody))
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d %s", r.Status, r.Body)
	}
	if n := e.count(t, `SELECT count(*) FROM orders`); n != 0 {
		t.Errorf("orders stored = %d", n)
	}
}

func TestIdempotencyKeyRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const n = 5
	results := make(chan response, n)
	for range n {
		go func() {
			results <- e.do(t, "alice", http.MethodPost, "/api/v1/orders", strings.NewReader(validBody), "Idempotency-Key", "race")
		}()
	}
	ids := map[string]int{}
	for range n {
		r := <-results
		if r.Status != http.StatusAccepted {
			t.Errorf("status %d: %s", r.Status, r.Body)
			continue
		}
		var p placed
		r.decode(t, &p)
		ids[p.ID]++
	}
	if len(ids) != 1 {
		t.Errorf("concurrent requests with one key placed %d orders: %v", len(ids), ids)
	}
	if got := e.count(t, `SELECT count(*) FROM orders`); got != 1 {
		t.Errorf("orders stored = %d, want 1", got)
	}
}
