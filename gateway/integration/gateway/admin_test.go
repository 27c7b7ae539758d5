package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/testkit"
)

func TestWebUIAndDocuments(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig(), nil)
	tests := []struct{ path, contentType, contains string }{
		{"/", "text/html", "/ui/js/app.js"},
		{"/ui/js/app.js", "javascript", "/api/v1/auth/token"},
		{"/ui/js/stream.js", "javascript", "text/event-stream"},
		{"/api/v1/openapi.json", "application/json", `"openapi": "3.1.0"`},
		{"/api/v1/asyncapi.json", "application/json", "asyncapi"},
		{"/api/v1/schemas", "application/json", "order.placed"},
		{"/api/v1/schemas/order.placed/v1", "application/schema+json", "$schema"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := h.do(t, "GET", tt.path, "")
			if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), tt.contentType) || !strings.Contains(body, tt.contains) {
				t.Fatalf("status %d, type %q, body contains %q: %v", resp.StatusCode, resp.Header.Get("Content-Type"), tt.contains, strings.Contains(body, tt.contains))
			}
			if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("security headers missing: %v", resp.Header)
			}
		})
	}
	if resp, _ := h.do(t, "GET", "/api/v1/schemas/order.placed/v99", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown schema: status %d, want 404", resp.StatusCode)
	}
}

func TestDeadLetterAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b, err := bus.Connect(ctx, testkit.NATS(t).URL(), "gateway-test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if err := b.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, testConfig(), b)
	admin := bearer(h.token(t, "admin"))
	resp, body := h.do(t, "GET", "/api/v1/admin/dlq?service=order", "", admin)
	var list struct{ Items []json.RawMessage }
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil || len(list.Items) != 0 {
		t.Fatalf("empty DLQ: %d %s", resp.StatusCode, body)
	}
	for _, tt := range []struct{ method, path string }{
		{"GET", "/api/v1/admin/dlq/42"}, {"POST", "/api/v1/admin/dlq/42/replay"}, {"DELETE", "/api/v1/admin/dlq/42"},
	} {
		if resp, body := h.do(t, tt.method, tt.path, "", admin); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s: %d %s, want 404", tt.method, tt.path, resp.StatusCode, body)
		}
	}
	if resp, _ := h.do(t, "GET", "/api/v1/admin/dlq/abc", "", admin); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad id: status %d, want 400", resp.StatusCode)
	}
	if resp, _ := newHarness(t, testConfig(), nil).do(t, "GET", "/api/v1/admin/dlq", "", admin); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("without NATS: status %d, want 503", resp.StatusCode)
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.CORSOrigins = []string{"https://shop.example"}
	h := newHarness(t, cfg, nil)
	resp, _ := h.do(t, "OPTIONS", "/api/v1/orders", "", "Origin: https://shop.example", "Access-Control-Request-Method: POST")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = h.do(t, "GET", "/api/v1/products", "", "Origin: https://shop.example")
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
		t.Errorf("proxied route without CORS header: %v", resp.Header)
	}
	resp, _ = h.do(t, "GET", "/api/v1/products", "", "Origin: https://evil.example")
	if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("foreign origin allowed: %q", v)
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.BodyLimit = 1024
	h := newHarness(t, cfg, nil)
	alice := bearer(h.token(t, "alice"))
	if resp, _ := h.do(t, "POST", "/api/v1/orders", strings.Repeat("x", 1025), alice); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: status %d, want 413", resp.StatusCode)
	}
	if n := h.up["order"].count(); n != 0 {
		t.Errorf("upstream saw %d oversized requests", n)
	}
	if resp, _ := h.do(t, "POST", "/api/v1/orders", strings.Repeat("x", 1024), alice); resp.StatusCode != http.StatusOK {
		t.Errorf("body at the limit: status %d, want 200", resp.StatusCode)
	}
}
