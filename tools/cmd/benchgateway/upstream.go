package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// body is the upstream's answer: a product-sized JSON document (~200 bytes).
var body = []byte(`{"sku":"SKU-0001","name":"Single-origin coffee beans, 1 kg","description":"Washed Arabica from the Huila region","price_cents":2450,"currency":"EUR","available":100,"reserved":0,"sold":0}` + "\n")

// upstream is the trivial backend every target ends at. It is this command
// run again as a process of its own (-serve-upstream), so that it shares no
// Go runtime with the NATS and FerretDB the catalogue embeds in this one,
// whose collector and timers would disturb the targets in front of it.
type upstream struct {
	*process
	Addr string // host:port
	URL  string
}

// startUpstream starts the upstream on a free loopback port and waits until
// it answers.
func startUpstream(ctx context.Context) (*upstream, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p, err := startProcess(exec.CommandContext(ctx, self, "-serve-upstream", addr))
	if err != nil {
		return nil, err
	}
	u := &upstream{process: p, Addr: addr, URL: "http://" + addr}
	if err := waitOK(ctx, p, u.URL+"/api/v1/orders"); err != nil {
		p.stop()
		return nil, err
	}
	return u, nil
}

// connectionsPath answers the number of connections the upstream has
// accepted so far: how well what is in front of it reuses them.
const connectionsPath = "/connections"

// serveUpstream answers every request on addr with body until the process
// is stopped.
func serveUpstream(addr string) error {
	var accepted atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == connectionsPath {
			_, _ = fmt.Fprint(w, accepted.Load())
			return
		}
		w.Header()["Content-Type"] = []string{"application/json"}
		_, _ = w.Write(body)
	})
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				accepted.Add(1)
			}
		}}
	return srv.ListenAndServe()
}

// connections is the number of connections the upstream has accepted.
func (u *upstream) connections() (float64, error) {
	resp, err := http.Get(u.URL + connectionsPath)
	if err != nil {
		return 0, fmt.Errorf("upstream connections: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("upstream connections: %w", err)
	}
	return strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
}
