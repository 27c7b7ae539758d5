// Command benchscale measures the platform scaled out, printing one
// "name value" line per figure:
//
//   - takeover: with two replicas of each service under load, kill -9 the
//     replica leading the order outbox relay, again and again, and time
//     until another one relays (make bench-takeover);
//   - takeover-mongo: the same with notification's MongoDB outbox relay,
//     elected by a lease (make bench-takeover-mongo);
//   - nats-failover: on a three-node JetStream cluster under load, kill
//     the node leading the ORDER stream and time until publishing resumes,
//     with the saga latency around the failover and what was lost (make
//     bench-nats-failover);
//   - throughput: confirmed orders per second under an offered load above
//     capacity, with one or two replicas of each service and one or three
//     NATS nodes (make bench-replicas).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/eventshop/eventshop/tools/scale"
	"github.com/eventshop/eventshop/tools/stack"
)

func main() {
	stack.OneProcEach()
	scenario := flag.String("scenario", "takeover", "takeover, takeover-mongo, nats-failover or throughput")
	kills := flag.Int("kills", 12, "takeover: how many leaders to kill")
	rate := flag.Float64("rate", 20, "takeover and nats-failover: orders per second")
	offered := flag.Float64("offered", 150, "throughput: orders per second offered")
	window := flag.Duration("window", 30*time.Second, "throughput: how long to count confirmations")
	lease := flag.Duration("leader-lease", 0, "takeover-mongo: notification's NOTIFICATION_LEADER_LEASE (0: its default)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	env := scale.Env()
	if *lease > 0 {
		env["NOTIFICATION_LEADER_LEASE"] = lease.String()
	}
	if err := run(ctx, env, *scenario, *kills, *rate, *offered, *window); err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, env map[string]string, scenario string, kills int, rate, offered float64, window time.Duration) error {
	bin, err := os.MkdirTemp("", "eventshop-benchscale-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	root, err := stack.Root()
	if err != nil {
		return err
	}
	if err := stack.Build(ctx, root, bin); err != nil {
		return err
	}
	b := bench{bin: bin, env: env}
	switch scenario {
	case "takeover":
		return b.takeover(ctx, kills, rate)
	case "takeover-mongo":
		return b.takeoverMongo(ctx, kills, rate)
	case "nats-failover":
		return b.natsFailover(ctx, rate)
	case "throughput":
		return b.throughput(ctx, offered, window)
	}
	return fmt.Errorf("unknown scenario %q", scenario)
}

// bench starts the platforms of a scenario from the binaries in bin, with
// the services' environment env.
type bench struct {
	bin string
	env map[string]string
}

// start starts a platform keeping its data in dataDir (empty: a temporary
// directory), its processes logging to a file in the temporary directory
// that is named on stderr.
func (b bench) start(ctx context.Context, name, dataDir string, replicas, nodes int) (*scale.Platform, error) {
	path := filepath.Join(os.TempDir(), "eventshop-benchscale-"+name+".log")
	logw, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "starting %d replica(s) on %d NATS node(s); log %s\n", replicas, nodes, path)
	return scale.Start(ctx, stack.Options{BinDir: b.bin, DataDir: dataDir, Log: logw, Fsync: true,
		Replicas: replicas, NATSNodes: nodes, Env: b.env})
}

// line prints one figure.
func line(name string, value any) { fmt.Printf("%s %v\n", name, value) }

// seconds renders d in seconds with millisecond precision.
func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
