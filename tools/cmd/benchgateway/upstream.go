package main

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

// body is the upstream's answer: a product-sized JSON document (~200 bytes).
var body = []byte(`{"sku":"SKU-0001","name":"Single-origin coffee beans, 1 kg","description":"Washed Arabica from the Huila region","price_cents":2450,"currency":"EUR","available":100,"reserved":0,"sold":0}` + "\n")

// upstream is the trivial backend every target ends at.
type upstream struct {
	srv  *http.Server
	Addr string // host:port
	URL  string
}

// startUpstream serves body on a random loopback port.
func startUpstream() (*upstream, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen upstream: %w", err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		_, _ = w.Write(body)
	})
	u := &upstream{srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}, Addr: ln.Addr().String()}
	u.URL = "http://" + u.Addr
	go func() { _ = u.srv.Serve(ln) }()
	return u, nil
}

// Close stops the upstream at once.
func (u *upstream) Close() { _ = u.srv.Close() }
