package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// exportMode is where the services send their spans in a round of the
// tracing comparison.
type exportMode int

const (
	exportOff    exportMode = iota // tracing off: no exporter, nothing recorded
	exportJaeger                   // every span to Jaeger, on the same cores
	exportSink                     // every span to a receiver that discards it (sink)
)

func (m exportMode) String() string {
	return [...]string{"off", "on (Jaeger)", "on (sink)"}[m]
}

// tracingRounds is the outcome of the tracing comparison: confirmed orders
// per second of each round, by where the spans went, and the spans the
// sink rounds counted, with the orders those rounds placed.
type tracingRounds struct {
	rates      map[exportMode][]float64
	cpu        map[exportMode][]float64 // CPU milliseconds per order (cpuSeconds)
	spans      map[spanKey]int
	bytes      int // the sink rounds' export requests
	sinkOrders int
	// jaegerOrders is how many orders, warm-ups included, the services
	// traced to Jaeger, and jaegerCPU the CPU seconds Jaeger used in the
	// whole comparison, which is what taking their spans in cost it.
	jaegerOrders int
	jaegerCPU    float64
}

// measureTracing measures the rate of confirmed orders under concurrent
// load in rounds of cfg.tracingOrders orders, tracing off and on in turn,
// in the order off, on, on, off, off, on, … so that a drift of the
// machine during the run weighs on both alike; with a sink (cfg.sink) each
// set is off, Jaeger, sink and the next one the reverse. Every service is
// restarted before each round (stack.SetTracing), exporting every span
// (OTEL_TRACES_SAMPLER=always_on) to Jaeger, the sink or nothing, and
// each round starts once the previous one's sagas have finished and
// tracingWarmUp orders have warmed the fresh processes up.
func (b *bench) measureTracing(ctx context.Context, cfg config) (tracingRounds, error) {
	r := tracingRounds{rates: map[exportMode][]float64{}, cpu: map[exportMode][]float64{}, spans: map[spanKey]int{}}
	modes := []exportMode{exportOff, exportJaeger}
	if b.sink != nil {
		modes = append(modes, exportSink)
	}
	prev := exportOff
	for i := range cfg.tracingRounds {
		set := slices.Clone(modes)
		if i%2 == 1 {
			slices.Reverse(set)
		}
		for _, mode := range set {
			if err := b.quiet(ctx, 5*time.Minute); err != nil {
				return r, err
			}
			if err := b.export(ctx, mode); err != nil {
				return r, err
			}
			b.collectSpans(&r, prev) // the previous round's services flushed as they stopped
			prev = mode
			if err := b.warmUp(ctx, cfg); err != nil {
				return r, err
			}
			fmt.Fprintf(os.Stderr, "tracing %s: %d orders from %d concurrent clients ...\n", mode, cfg.tracingOrders, cfg.concurrency)
			cpu := b.cpuSeconds()
			rate, err := b.concurrent(ctx, cfg.concurrency, cfg.tracingOrders)
			if err != nil {
				return r, err
			}
			r.rates[mode] = append(r.rates[mode], rate)
			r.cpu[mode] = append(r.cpu[mode], 1000*(b.cpuSeconds()-cpu)/float64(cfg.tracingOrders))
			switch mode {
			case exportSink:
				r.sinkOrders += tracingWarmUp + cfg.tracingOrders
			case exportJaeger:
				r.jaegerOrders += tracingWarmUp + cfg.tracingOrders
			}
		}
	}
	r.jaegerCPU = procCPU(b.stack.Jaeger.Pid()) // the Jaeger rounds' services flushed as they stopped
	if prev != exportSink {
		return r, nil
	}
	// The last round's spans: its services flush them as they stop.
	if err := b.quiet(ctx, 5*time.Minute); err != nil {
		return r, err
	}
	err := b.export(ctx, exportOff)
	b.collectSpans(&r, prev)
	return r, err
}

// export restarts the services exporting their spans as mode says.
func (b *bench) export(ctx context.Context, mode exportMode) error {
	switch mode {
	case exportJaeger:
		return b.stack.SetTracing(ctx, true)
	case exportSink:
		return b.stack.ExportTo(ctx, b.sink.URL)
	default:
		return b.stack.SetTracing(ctx, false)
	}
}

// collectSpans adds what the sink counted to r when the round before was a
// sink round, and forgets it otherwise.
func (b *bench) collectSpans(r *tracingRounds, prev exportMode) {
	if b.sink == nil {
		return
	}
	spans, bytes := b.sink.take()
	if prev != exportSink {
		return
	}
	for k, n := range spans {
		r.spans[k] += n
	}
	r.bytes += bytes
}

// tracingWarmUp is how many orders each tracing round places, unmeasured,
// once the services have restarted: fresh processes fill their connection
// pools, prepared statements and caches first.
const tracingWarmUp = 200

func (b *bench) warmUp(ctx context.Context, cfg config) error {
	if _, err := b.concurrent(ctx, cfg.concurrency, tracingWarmUp); err != nil {
		return fmt.Errorf("warm up: %w", err)
	}
	return b.quiet(ctx, 5*time.Minute)
}

// quiet waits, at most timeout, until no saga consumer has a message left
// to handle.
func (b *bench) quiet(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		n, err := backlog(ctx, b.nc)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d messages still unhandled after %s", n, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond): // polling the consumers' backlog
		}
	}
}

// print writes the comparison's figures: the mean rate of each side, each
// round's rate (their spread is the run's noise), and
// tracing_overhead_ratio, the drop in throughput with tracing on, as a
// fraction of the rate without (0.05 is 5 % fewer orders per second).
// tracing_cpu_overhead_ratio is what tracing adds to the CPU an order costs
// the platform (cpuSeconds), which a shared machine's load moves less than
// the rate. With a sink, tracing_overhead_ratio_sink and
// tracing_cpu_overhead_ratio_sink are the same with the spans sent to the
// sink, tracing_spans_per_order the spans an order made (their kinds go
// to w) and tracing_export_bytes_per_order what exporting them sent.
func (r tracingRounds) print(w io.Writer) {
	off, on := mean(r.rates[exportOff]), mean(r.rates[exportJaeger])
	fmt.Printf("tracing_off_orders_per_s=%.0f\n", off)
	fmt.Printf("tracing_on_orders_per_s=%.0f\n", on)
	fmt.Printf("tracing_off_rounds=%s\n", joinRates(r.rates[exportOff]))
	fmt.Printf("tracing_on_rounds=%s\n", joinRates(r.rates[exportJaeger]))
	fmt.Printf("tracing_overhead_ratio=%.3f\n", 1-on/off)
	cpuOff := mean(r.cpu[exportOff])
	fmt.Printf("tracing_off_cpu_ms_per_order=%.2f\n", cpuOff)
	fmt.Printf("tracing_on_cpu_ms_per_order=%.2f\n", mean(r.cpu[exportJaeger]))
	fmt.Printf("tracing_cpu_overhead_ratio=%.3f\n", mean(r.cpu[exportJaeger])/cpuOff-1)
	fmt.Printf("tracing_jaeger_cpu_ms_per_order=%.2f\n", 1000*r.jaegerCPU/float64(r.jaegerOrders))
	sink, ok := r.rates[exportSink]
	if !ok {
		return
	}
	fmt.Printf("tracing_sink_orders_per_s=%.0f\n", mean(sink))
	fmt.Printf("tracing_sink_rounds=%s\n", joinRates(sink))
	fmt.Printf("tracing_overhead_ratio_sink=%.3f\n", 1-mean(sink)/off)
	fmt.Printf("tracing_sink_cpu_ms_per_order=%.2f\n", mean(r.cpu[exportSink]))
	fmt.Printf("tracing_cpu_overhead_ratio_sink=%.3f\n", mean(r.cpu[exportSink])/cpuOff-1)
	kinds, total := perOrder(r.spans, r.sinkOrders)
	fmt.Printf("tracing_spans_per_order=%.1f\n", total)
	fmt.Printf("tracing_export_bytes_per_order=%.0f\n", float64(r.bytes)/float64(r.sinkOrders))
	fmt.Fprintln(w, "spans per order, by service and name:")
	for _, k := range kinds {
		fmt.Fprintf(w, "  %6.2f  %-12s %s\n", k.perOrder, k.key.service, k.key.name)
	}
}

func mean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

func joinRates(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(parts, ",")
}
