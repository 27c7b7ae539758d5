// Command benchgateway measures the gateway's proxy path against the same
// trivial upstream reached directly, through Caddy (the yardstick: the
// best-known Go proxy) and through nginx and HAProxy (the limit), and the gateway's
// catalogue cache against the real inventory service answering from
// PostgreSQL, with wrk at the same concurrency, and prints name=value lines
// with the three goal figures. Each of the gateway's optimisations is
// measured in the same rounds against a gateway with it turned off (see
// seams). Everything listens on 127.0.0.1 and is
// stopped before the command exits. Run it from the repository root.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"slices"
	"time"
)

// settings are the load parameters shared by every target.
type settings struct {
	duration time.Duration // per target and concurrency, split into rounds
	rounds   int
	warmup   time.Duration
	threads  int
	conns    int
}

func main() {
	s := settings{}
	flag.DurationVar(&s.duration, "duration", 10*time.Second, "measured load per target and concurrency")
	flag.IntVar(&s.rounds, "rounds", 5, "turns the targets take within -duration; figures are medians of the rounds")
	flag.DurationVar(&s.warmup, "warmup", 2*time.Second, "length of the wrk warm-up before each run")
	flag.IntVar(&s.threads, "threads", 2, "wrk threads of the throughput runs")
	flag.IntVar(&s.conns, "conns", 64, "wrk connections of the throughput runs")
	serve := flag.String("serve-upstream", "", "serve only the trivial upstream on this address (how the command runs it)")
	flag.Parse()
	if *serve != "" {
		log.Fatalf("benchgateway upstream: %v", serveUpstream(*serve))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	s.rounds = max(1, s.rounds)
	if err := run(ctx, s); err != nil {
		log.Fatalf("benchgateway: %v", err)
	}
}

func run(ctx context.Context, s settings) error {
	for _, tool := range []struct{ bin, pkg string }{{"wrk", "wrk"}, {"nginx", "nginx"}, {"caddy", "caddy"}, {"haproxy", "haproxy"}} {
		if err := ensureInstalled(ctx, tool.bin, tool.pkg); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "eventshop-benchgateway-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	cat, err := startCatalogue(ctx, dir)
	if err != nil {
		return err
	}
	defer cat.stop()
	up, err := startUpstream(ctx)
	if err != nil {
		return err
	}
	defer up.stop()
	gu := gatewayUpstreams{trivialURL: up.URL, inventoryURL: cat.url, natsURL: cat.stack.NATSURL, secret: cat.stack.JWTSecret}
	gw, err := startGateway(ctx, cat.bin, gu)
	if err != nil {
		return err
	}
	defer gw.stop()
	plain, err := startPlainGateways(ctx, cat.bin, gu)
	defer func() {
		for _, p := range plain {
			p.stop()
		}
	}()
	if err != nil {
		return err
	}
	ngx, err := startNginx(ctx, dir, up.Addr)
	if err != nil {
		return err
	}
	defer ngx.stop()
	cdy, err := startCaddy(ctx, dir, up.Addr)
	if err != nil {
		return err
	}
	defer cdy.stop()
	hap, err := startHAProxy(ctx, dir, up.Addr)
	if err != nil {
		return err
	}
	defer hap.stop()
	// The plain gateways take their turns next to the gateway's.
	ts := slices.Insert(targets(up, gw, ngx, cdy, hap, cat.url), 2, plainTargets(up, plain)...)
	r, err := measure(ctx, s, ts)
	if err != nil {
		return err
	}
	r.print(os.Stdout)
	return nil
}
