package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// wrkResult is what one wrk run reports.
type wrkResult struct {
	rps      float64
	p50ms    float64
	requests float64
	// CPU time per request, µs: the proxy's and the upstream's when the
	// target names their processes, and always wrk's own.
	cpuUS      float64
	upstreamUS float64
	wrkUS      float64
	// upstreamConns is how many connections the upstream accepted per
	// 1,000 requests: a proxy that keeps its upstream connections alive
	// opens none once warm.
	upstreamConns float64
}

// runWrk loads url for d with threads and conns, sending header when set.
// Any non-2xx answer or socket error fails the run: a benchmark of error
// responses would measure the wrong thing.
func runWrk(ctx context.Context, url, header string, threads, conns int, d time.Duration) (wrkResult, error) {
	bin, err := lookBin("wrk")
	if err != nil {
		return wrkResult{}, err
	}
	args := []string{"-t" + strconv.Itoa(threads), "-c" + strconv.Itoa(conns),
		"-d" + strconv.Itoa(int(d.Seconds())) + "s", "--timeout", "5s", "--latency"}
	if header != "" {
		args = append(args, "-H", header)
	}
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk %s: %w: %s", url, err, out)
	}
	r, err := parseWrk(out)
	if err != nil {
		return r, err
	}
	// The client's own cost counts too: on a machine it shares with the
	// proxy and the upstream, a longer answer to parse leaves less CPU for
	// them.
	used := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	r.wrkUS = float64(used.Microseconds()) / r.requests
	return r, nil
}

func parseWrk(out []byte) (wrkResult, error) {
	var r wrkResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 0:
		case f[0] == "Non-2xx" || f[0] == "Socket":
			return r, fmt.Errorf("wrk saw errors: %s\n%s", sc.Text(), out)
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			r.requests, _ = strconv.ParseFloat(f[0], 64)
		case f[0] == "Requests/sec:" && len(f) == 2:
			r.rps, _ = strconv.ParseFloat(f[1], 64)
		case f[0] == "50%" && len(f) == 2:
			r.p50ms = durationMS(f[1])
		}
	}
	if r.rps == 0 || r.p50ms == 0 || r.requests == 0 {
		return r, fmt.Errorf("unexpected wrk output:\n%s", out)
	}
	return r, nil
}

// durationMS converts wrk's "812.00us", "1.20ms" or "1.01s" to milliseconds.
func durationMS(s string) float64 {
	for _, u := range []struct {
		suffix string
		scale  float64
	}{{"us", 0.001}, {"ms", 1}, {"s", 1000}} {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f * u.scale
		}
	}
	return 0
}
