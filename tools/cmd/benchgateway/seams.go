package main

import (
	"context"
	"fmt"
	"io"
)

// seam is one of the gateway's optimisations and the setting that turns it
// off. The gateway is measured against a second gateway process with the
// setting on, in the same rounds as every other target: an optimisation
// stays while it saves 10 % or more of the gateway's CPU per request or
// adds 10 % or more to its requests/s.
type seam struct {
	name string // prefix of its figures
	off  string // the setting that turns it off
}

// seams are the gateway's optimisations: its own pool of upstream
// connections against http.Transport alone, and its cache of verified
// tokens against verifying every token.
var seams = []seam{
	{name: "upstream_pool", off: "GATEWAY_UPSTREAM_POOL_OFF=true"},
	{name: "token_cache", off: "GATEWAY_TOKEN_CACHE_OFF=true"},
}

// plainTarget names the target of the gateway without s.
func (s seam) plainTarget() string { return "gateway_without_" + s.name }

// startPlainGateways starts one gateway per seam, with the seam off; the
// caller stops those returned, even with an error.
func startPlainGateways(ctx context.Context, bin string, up gatewayUpstreams) ([]*gatewayProc, error) {
	var out []*gatewayProc
	for _, s := range seams {
		g, err := startGateway(ctx, bin, up, s.off)
		if err != nil {
			return out, fmt.Errorf("gateway without %s: %w", s.name, err)
		}
		out = append(out, g)
	}
	return out, nil
}

// plainTargets are the gateways of startPlainGateways, in front of up
// like the gateway, measured at the throughput concurrency only.
func plainTargets(up *upstream, plain []*gatewayProc) []target {
	out := make([]target, len(plain))
	for i, g := range plain {
		out[i] = target{name: seams[i].plainTarget(), url: g.url + "/api/v1/orders", header: "Authorization: Bearer " + g.token,
			want: body, pids: []int{g.cmd.Process.Pid}, upstream: up}
	}
	return out
}

// seamFigure is what one optimisation buys, each the median over rounds of
// the comparison within a round.
type seamFigure struct {
	name  string
	plain string // the plain gateway's target
	// cpuSaving is the share of the plain gateway's CPU per request the
	// optimisation saves, in %.
	cpuSaving float64
	// rpsGain is what it adds to the plain gateway's requests/s, in %.
	rpsGain float64
}

func seamFigures(high map[string][]wrkResult) []seamFigure {
	var out []seamFigure
	for _, s := range seams {
		with, without := high["gateway"], high[s.plainTarget()]
		out = append(out, seamFigure{
			name:      s.name,
			plain:     s.plainTarget(),
			cpuSaving: paired(with, without, func(a, b wrkResult) float64 { return 100 * (1 - a.cpuUS/b.cpuUS) }),
			rpsGain:   paired(with, without, func(a, b wrkResult) float64 { return 100 * (a.rps/b.rps - 1) }),
		})
	}
	return out
}

// printSeams prints each plain gateway's figures and what each
// optimisation buys; it stays while one of the two gains is 10 % or more.
func printSeams(w io.Writer, r results) {
	for _, f := range r.seams {
		n := f.plain
		fmt.Fprintf(w, "%s_rps=%.0f\n%s_cpu_us_per_request=%.1f\n%s_upstream_cpu_us_per_request=%.1f\n",
			n, r.rps[n], n, r.cpuUS[n], n, r.upstreamUS[n])
		fmt.Fprintf(w, "%s_cpu_saving_pct=%.1f\n", f.name, f.cpuSaving)
		fmt.Fprintf(w, "%s_rps_gain_pct=%.1f\n", f.name, f.rpsGain)
	}
}
