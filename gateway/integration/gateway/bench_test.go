package gateway_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/eventshop/eventshop/gateway/internal/gateway"
)

// BenchmarkProxy compares a request straight to an upstream, through a bare
// httputil.ReverseProxy and through the gateway's whole chain, sequentially
// and in parallel. Profile with -cpuprofile / -memprofile.
func BenchmarkProxy(b *testing.B) {
	body := []byte(`{"sku":"SKU-1","name":"Coffee","price_cents":450,"currency":"EUR","available":100}`)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer up.Close()
	target, _ := url.Parse(up.URL)
	rp := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
	defer rp.Close()
	cfg := testConfig()
	cfg.CacheTTL, cfg.AccessLog = 0, false
	cfg.Rate.ReadRPS = 0
	cfg.OrderURL, cfg.InventoryURL, cfg.PaymentURL, cfg.NotificationURL = up.URL, up.URL, up.URL, up.URL
	g, err := gateway.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), gateway.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	gw := serve(b, g)
	for _, tc := range []struct{ name, base string }{{"direct", up.URL}, {"httputil", rp.URL}, {"gateway", gw}} {
		u := tc.base + "/api/v1/products/SKU-1"
		b.Run(tc.name+"/seq", func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			for b.Loop() {
				get(b, client, u)
			}
		})
		b.Run(tc.name+"/par", func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					get(b, client, u)
				}
			})
		})
	}
}

func get(b *testing.B, c *http.Client, u string) {
	resp, err := c.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
}
