package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
)

// target is one way of reaching the upstream's answer.
type target struct {
	name   string
	url    string
	header string // "Name: value" sent with every request, or empty
	// wantCache is the X-Cache the gateway must answer a repeated request with.
	wantCache string
	// want is the body every answer must carry; nil means the body of the
	// target named same.
	want []byte
	same string
	// latency also measures the target at concurrency 1.
	latency bool
	// pids are the proxy's processes, whose CPU time per request is
	// measured; none for the upstream itself.
	pids []int
	// upstream is the trivial upstream, for the targets that end at it:
	// what a request costs the upstream depends on what is in front of it.
	upstream *upstream
}

// targets are the trivial upstream direct, through the gateway, Caddy,
// nginx and HAProxy, the real inventory service's catalogue direct and the gateway's
// cached copy of it. The three ways to the trivial upstream get the same
// request, the customer's bearer token included: the gateway needs it, and
// the other proxies and the upstream then receive, parse and forward the
// same bytes.
func targets(up *upstream, gw *gatewayProc, ngx *nginxProc, cdy, hap *yardstick, inventoryURL string) []target {
	bearer := "Authorization: Bearer " + gw.token
	return []target{
		{name: "direct", url: up.URL + "/api/v1/orders", header: bearer, want: body, latency: true, upstream: up},
		{name: "gateway", url: gw.url + "/api/v1/orders", header: bearer, want: body, latency: true, pids: []int{gw.cmd.Process.Pid}, upstream: up},
		{name: "caddy", url: cdy.url + "/api/v1/orders", header: bearer, want: body, latency: true, pids: []int{cdy.cmd.Process.Pid}, upstream: up},
		{name: "nginx", url: ngx.url + "/api/v1/orders", header: bearer, want: body, latency: true, pids: ngx.workers, upstream: up},
		{name: "haproxy", url: hap.url + "/api/v1/orders", header: bearer, want: body, latency: true, pids: []int{hap.cmd.Process.Pid}, upstream: up},
		{name: "direct_service", url: inventoryURL + "/api/v1/products"},
		{name: "cache_hit", url: gw.url + "/api/v1/products", wantCache: "HIT", same: "direct_service"},
	}
}

// results holds the measured figures by target name, and the goal figures.
type results struct {
	rps   map[string]float64
	p50ms map[string]float64
	// CPU time per request at the throughput concurrency, µs: the proxy's,
	// the upstream's and wrk's. Their sum is what a request costs the
	// machine, whose two vCPUs all three share.
	cpuUS, upstreamUS, wrkUS map[string]float64
	// upstreamConns are the connections the upstream accepted per 1,000
	// requests at the throughput concurrency.
	upstreamConns map[string]float64
	// The goal figures compare two targets round by round, so each is the
	// median of per-round comparisons, not a comparison of medians that
	// may come from different moments of the machine's background load.
	gatewayVsCaddy float64
	addedP50ms     float64
	cacheVsDirect  float64
	// The other proxies' figures the same way: Caddy's added latency is
	// the gateway's goal; nginx and HAProxy are the limit, with no goal.
	gatewayVsNginx, gatewayVsHAProxy                    float64
	caddyAddedP50ms, nginxAddedP50ms, haproxyAddedP50ms float64
	// seams are the gateway's optimisations against their plain versions.
	seams []seamFigure
}

// measure checks every target answers the expected body, then loads each
// at the throughput concurrency and the proxied ones at concurrency 1.
// Other work on the machine comes and goes, so the targets take turns in
// short rounds and each figure is the median of its rounds: a burst of
// background load then hits every target alike instead of one of them.
// The goal figures compare two targets within each round and take the
// median of those comparisons.
func measure(ctx context.Context, s settings, ts []target) (results, error) {
	r := results{rps: map[string]float64{}, p50ms: map[string]float64{},
		cpuUS: map[string]float64{}, upstreamUS: map[string]float64{}, wrkUS: map[string]float64{}, upstreamConns: map[string]float64{}}
	bodies := map[string][]byte{}
	for _, t := range ts {
		if t.want == nil {
			t.want = bodies[t.same]
		}
		b, err := check(t)
		if err != nil {
			return r, err
		}
		bodies[t.name] = b
		if _, err := runWrk(ctx, t.url, t.header, s.threads, s.conns, s.warmup); err != nil {
			return r, fmt.Errorf("%s warm-up: %w", t.name, err)
		}
	}
	high, err := rounds(ctx, s, ts, s.threads, s.conns)
	if err != nil {
		return r, err
	}
	var proxied []target
	for _, t := range ts {
		r.rps[t.name] = median(high[t.name], func(w wrkResult) float64 { return w.rps })
		if len(t.pids) > 0 {
			r.cpuUS[t.name] = median(high[t.name], func(w wrkResult) float64 { return w.cpuUS })
		}
		if t.upstream != nil {
			r.upstreamUS[t.name] = median(high[t.name], func(w wrkResult) float64 { return w.upstreamUS })
			r.upstreamConns[t.name] = median(high[t.name], func(w wrkResult) float64 { return w.upstreamConns })
		}
		r.wrkUS[t.name] = median(high[t.name], func(w wrkResult) float64 { return w.wrkUS })
		if t.latency {
			proxied = append(proxied, t)
		}
	}
	one, err := rounds(ctx, s, proxied, 1, 1)
	if err != nil {
		return r, err
	}
	for _, t := range proxied {
		r.p50ms[t.name] = median(one[t.name], func(w wrkResult) float64 { return w.p50ms })
	}
	ratio := func(a, b wrkResult) float64 { return a.rps / b.rps }
	r.gatewayVsCaddy = paired(high["gateway"], high["caddy"], ratio)
	r.gatewayVsNginx = paired(high["gateway"], high["nginx"], ratio)
	r.gatewayVsHAProxy = paired(high["gateway"], high["haproxy"], ratio)
	r.cacheVsDirect = paired(high["cache_hit"], high["direct_service"], ratio)
	added := func(a, b wrkResult) float64 { return a.p50ms - b.p50ms }
	r.addedP50ms = paired(one["gateway"], one["direct"], added)
	r.caddyAddedP50ms = paired(one["caddy"], one["direct"], added)
	r.nginxAddedP50ms = paired(one["nginx"], one["direct"], added)
	r.haproxyAddedP50ms = paired(one["haproxy"], one["direct"], added)
	r.seams = seamFigures(high)
	return r, nil
}

// rounds loads every target s.rounds times for s.duration/s.rounds each,
// in turn, and returns the results by target name.
func rounds(ctx context.Context, s settings, ts []target, threads, conns int) (map[string][]wrkResult, error) {
	per := max(time.Second, s.duration/time.Duration(s.rounds))
	out := map[string][]wrkResult{}
	for i := range s.rounds {
		for _, t := range turnOrder(ts, i) {
			res, err := runMeasured(ctx, t, threads, conns, per)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", t.name, err)
			}
			fmt.Fprintf(os.Stderr, "round %d %s c=%d: %.0f rps, p50 %.3f ms, CPU µs/request: proxy %.1f, upstream %.1f, wrk %.1f; upstream connections per 1k requests %.1f\n",
				i+1, t.name, conns, res.rps, res.p50ms, res.cpuUS, res.upstreamUS, res.wrkUS, res.upstreamConns)
			out[t.name] = append(out[t.name], res)
		}
	}
	return out, nil
}

// runMeasured runs wrk against t and works out the CPU time that the
// proxy's and the upstream's processes, when t names them, spent per
// request meanwhile, and the connections the upstream accepted.
func runMeasured(ctx context.Context, t target, threads, conns int, d time.Duration) (wrkResult, error) {
	if t.upstream == nil {
		return runProxy(ctx, t, threads, conns, d, nil)
	}
	before, err := t.upstream.connections()
	if err != nil {
		return wrkResult{}, err
	}
	res, err := runProxy(ctx, t, threads, conns, d, []int{t.upstream.cmd.Process.Pid})
	if err != nil {
		return res, err
	}
	after, err := t.upstream.connections()
	res.upstreamConns = (after - before) * 1000 / res.requests
	return res, err
}

// runProxy runs wrk against t and works out the CPU time per request of
// t's proxy processes and of upstream's.
func runProxy(ctx context.Context, t target, threads, conns int, d time.Duration, upstream []int) (wrkResult, error) {
	proxy, err := startCPU(t.pids)
	if err != nil {
		return wrkResult{}, err
	}
	up, err := startCPU(upstream)
	if err != nil {
		return wrkResult{}, err
	}
	res, err := runWrk(ctx, t.url, t.header, threads, conns, d)
	if err != nil {
		return res, err
	}
	if res.cpuUS, err = proxy.perRequest(res.requests); err != nil {
		return res, err
	}
	res.upstreamUS, err = up.perRequest(res.requests)
	return res, err
}

// turnOrder is the order of the targets in round i: as listed in even
// rounds, reversed in odd ones. A turn runs on a machine still settling
// from the turn before it, so each target follows a different neighbour
// in alternate rounds instead of always the same one.
func turnOrder(ts []target, i int) []target {
	if i%2 == 0 {
		return ts
	}
	r := slices.Clone(ts)
	slices.Reverse(r)
	return r
}

func median(rs []wrkResult, f func(wrkResult) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	return medianOf(v)
}

// paired is the median over rounds of f applied to a's and b's results of
// the same round.
func paired(a, b []wrkResult, f func(a, b wrkResult) float64) float64 {
	v := make([]float64, min(len(a), len(b)))
	for i := range v {
		v[i] = f(a[i], b[i])
	}
	return medianOf(v)
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// check sends two requests and insists on 200, the same body both times
// (t.want when set) and, for the cache, a hit on the second. It returns the
// body.
func check(t target) ([]byte, error) {
	want := t.want
	for i := range 2 {
		req, err := http.NewRequest(http.MethodGet, t.url, nil)
		if err != nil {
			return nil, err
		}
		if k, v, ok := strings.Cut(t.header, ": "); ok {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", t.name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(b) == 0 || (want != nil && !bytes.Equal(b, want)) {
			return nil, fmt.Errorf("check %s: status %d, body %q", t.name, resp.StatusCode, b)
		}
		if got := resp.Header.Get("X-Cache"); i == 1 && got != t.wantCache {
			return nil, fmt.Errorf("check %s: X-Cache %q, want %q", t.name, got, t.wantCache)
		}
		want = b
	}
	return want, nil
}

// proxies are the proxied targets, the gateway first.
var proxies = []string{"gateway", "caddy", "nginx", "haproxy"}

func (r results) print(w io.Writer) {
	for _, n := range append(append([]string{"direct"}, proxies...), "cache_hit", "direct_service") {
		fmt.Fprintf(w, "%s_rps=%.0f\n", n, r.rps[n])
	}
	for _, n := range append([]string{"direct"}, proxies...) {
		fmt.Fprintf(w, "%s_p50_ms=%.3f\n", n, r.p50ms[n])
	}
	for _, n := range proxies {
		fmt.Fprintf(w, "%s_cpu_us_per_request=%.1f\n", n, r.cpuUS[n])
	}
	for _, n := range append([]string{"direct"}, proxies...) {
		fmt.Fprintf(w, "%s_upstream_cpu_us_per_request=%.1f\n", n, r.upstreamUS[n])
	}
	for _, n := range append([]string{"direct"}, proxies...) {
		fmt.Fprintf(w, "%s_upstream_connections_per_1k_requests=%.1f\n", n, r.upstreamConns[n])
	}
	for _, n := range append([]string{"direct"}, proxies...) {
		fmt.Fprintf(w, "%s_wrk_cpu_us_per_request=%.1f\n", n, r.wrkUS[n])
	}
	fmt.Fprintf(w, "nginx_added_p50_ms=%.3f\n", r.nginxAddedP50ms)
	fmt.Fprintf(w, "haproxy_added_p50_ms=%.3f\n", r.haproxyAddedP50ms)
	fmt.Fprintf(w, "gateway_vs_nginx_rps_ratio=%.2f\n", r.gatewayVsNginx)
	fmt.Fprintf(w, "gateway_vs_haproxy_rps_ratio=%.2f\n", r.gatewayVsHAProxy)
	// The goal figures: the gateway with its whole chain against Caddy's
	// plain reverse_proxy (goal >= 1.5), and its added latency beside
	// Caddy's (goal: no more).
	fmt.Fprintf(w, "gateway_vs_caddy_rps_ratio=%.2f\n", r.gatewayVsCaddy)
	fmt.Fprintf(w, "caddy_added_p50_ms=%.3f\n", r.caddyAddedP50ms)
	fmt.Fprintf(w, "gateway_added_p50_ms=%.3f\n", r.addedP50ms)
	// The cache is compared with the service it spares, not the trivial upstream.
	fmt.Fprintf(w, "cache_hit_vs_direct_ratio=%.2f\n", r.cacheVsDirect)
	printSeams(w, r)
}
