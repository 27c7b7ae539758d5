package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/eventshop/eventshop/pkg/auth"
)

// secret is the HS256 key the benchmark gateway verifies tokens with.
const secret = "benchgateway-secret-0123456789abcdef"

// gatewayProc is the real gateway binary in front of the trivial upstream.
type gatewayProc struct {
	*process
	url   string
	token string // a customer's token, valid for the whole run
}

// startGateway builds cmd/gateway into dir and starts it with every upstream
// pointing at upstreamURL, the rate limit on with a budget the load cannot
// exhaust, the catalogue cache on and the access log off.
func startGateway(ctx context.Context, dir, upstreamURL string) (*gatewayProc, error) {
	bin := filepath.Join(dir, "gateway")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./gateway/cmd/gateway")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("build gateway (run from the repository root): %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), gatewayEnv(addr, upstreamURL)...)
	p, err := startProcess(cmd)
	if err != nil {
		return nil, err
	}
	g := &gatewayProc{process: p, url: "http://" + addr}
	if err := waitOK(ctx, p, g.url+"/healthz"); err != nil {
		p.stop()
		return nil, err
	}
	g.token, err = auth.NewIssuer(auth.Config{Secret: secret}, 2*time.Hour).Token("alice")
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("sign token: %w", err)
	}
	return g, nil
}

func gatewayEnv(addr, upstreamURL string) []string {
	env := []string{
		"GATEWAY_HTTP_ADDR=" + addr,
		"GATEWAY_JWT_SECRET=" + secret,
		"GATEWAY_NATS_URL=",
		"GATEWAY_ACCESS_LOG=false",
		"GATEWAY_RATE_LIMIT_OFF=false",
		"GATEWAY_RATE_READ_RPS=100000000",
		"GATEWAY_RATE_READ_BURST=100000000",
		"GATEWAY_CACHE_TTL=1h",
		"GATEWAY_PPROF_ADDR=" + os.Getenv("BENCH_GATEWAY_PPROF_ADDR"),
	}
	for _, name := range []string{"ORDER", "INVENTORY", "PAYMENT", "NOTIFICATION"} {
		env = append(env, "GATEWAY_"+name+"_URL="+upstreamURL)
	}
	return env
}
