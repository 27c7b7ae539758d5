package e2e_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/tools/client"
)

func TestBadOrderInputIsRejectedAndStoresNothing(t *testing.T) {
	manyLines := make([]string, 21)
	for i := range manyLines {
		manyLines[i] = `{"sku":"SKU-MOUSE","quantity":1}`
	}
	tests := []struct {
		name   string
		body   string
		status []int
	}{
		{"malformed JSON", `{"items":[`, []int{400}},
		{"not an object", `[1,2]`, []int{400}},
		{"unknown SKU", `{"items":[{"sku":"SKU-NOPE","quantity":1}],"payment_method":"tok_visa"}`, []int{422}},
		{"zero quantity", `{"items":[{"sku":"SKU-MOUSE","quantity":0}],"payment_method":"tok_visa"}`, []int{400, 422}},
		{"negative quantity", `{"items":[{"sku":"SKU-MOUSE","quantity":-3}],"payment_method":"tok_visa"}`, []int{400, 422}},
		{"absurd quantity", `{"items":[{"sku":"SKU-MOUSE","quantity":1000000000}],"payment_method":"tok_visa"}`, []int{400, 422}},
		{"no items", `{"items":[],"payment_method":"tok_visa"}`, []int{400, 422}},
		{"too many lines", `{"items":[` + strings.Join(manyLines, ",") + `],"payment_method":"tok_visa"}`, []int{400, 422}},
		{"no payment method", `{"items":[{"sku":"SKU-MOUSE","quantity":1}]}`, []int{400, 422}},
		{"oversized body", `{"items":[{"sku":"` + strings.Repeat("A", 100<<10) + `","quantity":1}],"payment_method":"tok_visa"}`, []int{400, 413, 422}},
	}
	before, err := shop.bob.Orders(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := shop.bob.Do(testContext(t), http.MethodPost, "/api/v1/orders", []byte(tc.body), nil, nil)
			var apiErr *client.Error
			if !errors.As(err, &apiErr) || !slices.Contains(tc.status, apiErr.Status) {
				t.Fatalf("err = %v, want a status in %v", err, tc.status)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
		})
	}
	after, err := shop.bob.Orders(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("orders went from %d to %d: bad input was stored", len(before), len(after))
	}
}

func TestSomeoneElsesOrderIsNotFound(t *testing.T) {
	o := place(t, shop.alice, "tok_visa", line("SKU-MOUSE", 1))
	waitFinal(t, shop.alice, o.ID)
	if _, err := shop.bob.Order(testContext(t), o.ID); !isStatus(err, 404) {
		t.Errorf("bob reading alice's order: err = %v, want 404", err)
	}
	if _, err := shop.bob.Timeline(testContext(t), o.ID); !isStatus(err, 404) {
		t.Errorf("bob reading alice's timeline: err = %v, want 404", err)
	}
	if _, err := shop.admin.Order(testContext(t), o.ID); err != nil {
		t.Errorf("admin reading alice's order: %v", err)
	}
	checkInvariants(t)
}
