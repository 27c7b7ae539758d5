package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/startup"
)

// gatewayProc is the real gateway binary: the proxied routes go to the
// trivial upstream, the catalogue to the real inventory service.
type gatewayProc struct {
	*process
	url   string
	token string // a customer's token, valid for the whole run
}

// gatewayUpstreams is where the gateway sends its traffic.
type gatewayUpstreams struct {
	trivialURL   string // order, payment and notification
	inventoryURL string // the real inventory service
	natsURL      string // the catalogue's NATS, so stock changes evict the cache
	secret       string // the HS256 key the catalogue's services verify with
}

// startGateway starts the gateway binary in bin with the rate limit on and a
// budget the load cannot exhaust, the catalogue cache on, the access log
// off, and the settings in extra.
func startGateway(ctx context.Context, bin string, up gatewayUpstreams, extra ...string) (*gatewayProc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "gateway"))
	cmd.Env = append(append(os.Environ(), gatewayEnv(addr, up)...), extra...)
	p, err := startProcess(cmd)
	if err != nil {
		return nil, err
	}
	g := &gatewayProc{process: p, url: "http://" + addr}
	if err := waitOK(ctx, p, g.url+"/healthz"); err != nil {
		p.stop()
		return nil, err
	}
	g.token, err = auth.NewIssuer(auth.Config{Secret: up.secret}, 2*time.Hour).Token("alice")
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("sign token: %w", err)
	}
	return g, nil
}

func gatewayEnv(addr string, up gatewayUpstreams) []string {
	env := []string{
		"GATEWAY_HTTP_ADDR=" + addr,
		"GATEWAY_JWT_SECRET=" + up.secret,
		startup.EnvVar + "=" + startup.Local, // a bench on this machine
		"GATEWAY_NATS_URL=" + up.natsURL,
		"GATEWAY_INVENTORY_URL=" + up.inventoryURL,
		"GATEWAY_ACCESS_LOG=false",
		"GATEWAY_RATE_LIMIT_OFF=false",
		"GATEWAY_RATE_READ_RPS=100000000",
		"GATEWAY_RATE_READ_BURST=100000000",
		"GATEWAY_CACHE_TTL=1h",
		"GATEWAY_PPROF_ADDR=" + os.Getenv("BENCH_GATEWAY_PPROF_ADDR"),
	}
	for _, name := range []string{"ORDER", "PAYMENT", "NOTIFICATION"} {
		env = append(env, "GATEWAY_"+name+"_URL="+up.trivialURL)
	}
	return env
}
