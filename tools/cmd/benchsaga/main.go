// Command benchsaga measures the order saga as it runs in production: the
// services as their own processes on PostgreSQL with fsync on, NATS
// JetStream with file storage and FerretDB. It reports the latency from
// placing an order to its order.confirmed event, one order at a time: one
// saga at a time (each order placed once the previous one's saga has
// finished), and back to back (each placed the moment the previous one is
// confirmed, while its sale, capture and notification still run). Then it
// measures the rate of confirmed orders under concurrent load, and compares
// it with tracing off and on (every span exported to Jaeger) in interleaved
// rounds, and checks every invariant of the saga. Results are printed as
// name=value lines.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof" // served with -pprof: this process hosts NATS and FerretDB
	"os"
	"os/signal"
	"time"

	"github.com/eventshop/eventshop/tools/stack"
)

type config struct {
	sequential  int
	backToBack  int
	concurrency int
	orders      int
	logFile     string
	hops        bool
	pprof       bool
	backlog     bool
	// tracingRounds pairs of rounds compare tracing off and on, each of
	// tracingOrders orders (measureTracing); 0 skips the comparison.
	tracingRounds int
	tracingOrders int
	// tracingSink adds a round to each set of the comparison exporting to
	// a receiver that discards the spans (sink).
	tracingSink bool
	// tracingOnly skips every figure but the tracing comparison.
	tracingOnly bool
}

func main() {
	var cfg config
	stack.OneProcEach()
	flag.IntVar(&cfg.sequential, "sequential", 300, "orders placed one at a time, each once the previous saga has finished, for the latency figures")
	flag.IntVar(&cfg.backToBack, "back-to-back", 300, "orders placed one at a time, each the moment the previous one is confirmed")
	flag.IntVar(&cfg.concurrency, "concurrency", 64, "concurrent clients for the throughput figure")
	flag.IntVar(&cfg.orders, "orders", 6000, "orders placed under concurrent load")
	flag.StringVar(&cfg.logFile, "log", "", "file for the services' logs (default: discarded)")
	flag.BoolVar(&cfg.hops, "hops", false, "print the median time of each saga step of the sequential orders")
	flag.BoolVar(&cfg.pprof, "pprof", false, "serve the profiles of the services and of this process (NATS, FerretDB) at /debug/pprof/")
	flag.BoolVar(&cfg.backlog, "backlog", false, "print the consumers' backlogs every 2s under concurrent load")
	flag.IntVar(&cfg.tracingRounds, "tracing-rounds", 2, "pairs of concurrent rounds with tracing off and on (every span exported to Jaeger), for tracing_overhead_ratio; 0 skips them")
	flag.IntVar(&cfg.tracingOrders, "tracing-orders", 1500, "orders placed in each tracing round")
	flag.BoolVar(&cfg.tracingSink, "tracing-sink", false, "add a round to each pair exporting every span to a receiver in this process that discards them, for tracing_overhead_ratio_sink and tracing_spans_per_order")
	flag.BoolVar(&cfg.tracingOnly, "tracing-only", false, "measure only the tracing rounds (and the invariants), no latency or throughput figures")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		log.Fatalf("benchsaga: %v", err)
	}
}

func run(ctx context.Context, cfg config) error {
	if cfg.pprof {
		if err := serveProfiles(); err != nil {
			return err
		}
	}
	b, err := start(ctx, cfg)
	if err != nil {
		return err
	}
	defer b.stop()
	if !cfg.tracingOnly {
		if err := b.measureSaga(ctx, cfg); err != nil {
			return err
		}
	}
	var tracing tracingRounds
	if cfg.tracingRounds > 0 {
		if tracing, err = b.measureTracing(ctx, cfg); err != nil {
			return err
		}
	}
	if cfg.tracingRounds > 0 {
		tracing.print(os.Stderr)
	}
	violations, err := b.invariants(ctx, 5*time.Minute)
	if err != nil {
		return err
	}
	fmt.Printf("invariant_violations=%d\n", violations)
	return b.printDuplicates(ctx)
}

// printDuplicates prints the share of the services' publishes, since they
// last started, that JetStream dropped as copies of events it had stored:
// relay work done twice.
func (b *bench) printDuplicates(ctx context.Context) error {
	var published, duplicates float64
	for _, svc := range []string{"order", "inventory", "payment", "notification"} {
		families, err := scrape(ctx, b.stack.URL(svc))
		if err != nil {
			return err
		}
		p, d := counterSum(families, "eventshop_bus_published_total"), counterSum(families, "eventshop_bus_publish_duplicates_total")
		fmt.Fprintf(os.Stderr, "%s published %.0f events, %.0f of them copies\n", svc, p, d)
		published, duplicates = published+p, duplicates+d
	}
	fmt.Printf("events_published=%.0f\n", published)
	fmt.Printf("publish_duplicates=%.0f\n", duplicates)
	return nil
}

// measureSaga measures and prints the saga's latency, one order at a time
// and back to back, and the rate of confirmed orders under concurrent load.
func (b *bench) measureSaga(ctx context.Context, cfg config) error {
	fmt.Fprintf(os.Stderr, "platform ready; %d orders one saga at a time ...\n", cfg.sequential)
	var h *hops
	var err error
	if cfg.hops {
		if h, err = watchHops(b.nc); err != nil {
			return err
		}
	}
	settle, err := watchSettled(b.nc)
	if err != nil {
		return err
	}
	var before []bucket
	lat, ids, err := b.sequential(ctx, cfg.sequential, settle, func() error {
		before, err = confirmedBuckets(ctx, b.stack.URL("order"))
		return err
	})
	if err != nil {
		return err
	}
	after, err := confirmedBuckets(ctx, b.stack.URL("order"))
	if err != nil {
		return err
	}
	if h != nil {
		h.report(os.Stderr, ids[min(10, len(ids)):])
	}
	fmt.Fprintf(os.Stderr, "%d orders back to back ...\n", cfg.backToBack)
	btb, _, err := b.sequential(ctx, cfg.backToBack, nil, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%d orders from %d concurrent clients ...\n", cfg.orders, cfg.concurrency)
	watchCtx, stopWatch := context.WithCancel(ctx)
	if cfg.backlog {
		go watchBacklog(watchCtx, b.nc, os.Stderr, 2*time.Second)
	}
	rate, err := b.concurrent(ctx, cfg.concurrency, cfg.orders)
	stopWatch()
	if err != nil {
		return err
	}
	fmt.Printf("saga_latency_p50_ms=%.2f\n", lat.percentile(50))
	fmt.Printf("saga_latency_p99_ms=%.2f\n", lat.percentile(99))
	// The same orders as the order service's histogram counts them, as the
	// dashboard reads them: placement to final status inside the service.
	fmt.Printf("saga_histogram_p50_ms=%.2f\n", 1000*histogramQuantile(0.5, before, after))
	fmt.Printf("saga_histogram_p99_ms=%.2f\n", 1000*histogramQuantile(0.99, before, after))
	fmt.Printf("back_to_back_latency_p50_ms=%.2f\n", btb.percentile(50))
	fmt.Printf("back_to_back_latency_p99_ms=%.2f\n", btb.percentile(99))
	fmt.Printf("confirmed_orders_per_s=%.0f\n", rate)
	return nil
}

// serveProfiles serves this process's profiles: it hosts the embedded NATS
// server and FerretDB, whose share of a run is otherwise invisible.
func serveProfiles() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench profiles (NATS, FerretDB): http://%s/debug/pprof/\n", ln.Addr())
	go http.Serve(ln, nil) //nolint:errcheck // lives as long as the process
	return nil
}
