package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/eventshop/eventshop/tools/scale"
)

// throughputWarmUp is the load before confirmations are counted.
const throughputWarmUp = 15 * time.Second

// throughput offers orders above capacity to four platforms in turn (one
// and two replicas of each service on one NATS node, one replica on three
// nodes) and prints the confirmed orders per second of each over window.
func (b bench) throughput(ctx context.Context, offered float64, window time.Duration) error {
	line("offered_orders_per_second", offered)
	for _, c := range []struct {
		name            string
		replicas, nodes int
	}{
		{"replicas1_nats1", 1, 1},
		{"replicas2_nats1", 2, 1},
		{"replicas1_nats3", 1, 3},
	} {
		rate, err := b.confirmedRate(ctx, c.name, c.replicas, c.nodes, offered, window)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		line("confirmed_orders_per_second_"+c.name, fmt.Sprintf("%.1f", rate))
	}
	return nil
}

// confirmedRate starts a platform, offers it the load, and returns the
// orders confirmed per second during window, after a warm-up.
func (b bench) confirmedRate(ctx context.Context, name string, replicas, nodes int, offered float64, window time.Duration) (float64, error) {
	dataDir, err := os.MkdirTemp("", "eventshop-benchscale-data-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dataDir)
	// PostgreSQL runs as an unprivileged user when we are root.
	if err := os.Chmod(dataDir, 0o755); err != nil {
		return 0, err
	}
	p, err := b.start(ctx, "throughput-"+name, dataDir, replicas, nodes)
	if err != nil {
		return 0, err
	}
	defer p.Close()
	load := scale.StartLoad(ctx, p.Gateway(), p.SKUs, offered)
	defer load.Stop()
	if !sleep(ctx, throughputWarmUp) {
		return 0, ctx.Err()
	}
	pgData := filepath.Join(dataDir, "postgres", "pgdata")
	from, before := time.Now(), cpuByGroup(p, pgData)
	if !sleep(ctx, window) {
		return 0, ctx.Err()
	}
	to, after := time.Now(), cpuByGroup(p, pgData)
	var n int
	err = p.Sources.Order.QueryRow(ctx, `SELECT count(*) FROM orders WHERE status = 'CONFIRMED' AND updated_at BETWEEN $1 AND $2`,
		from, to).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count confirmed: %w", err)
	}
	cpuPerOrder(name, before, after, n)
	fmt.Fprintf(os.Stderr, "%s: %d confirmed in %s, %d accepted\n", name, n, to.Sub(from).Round(time.Second), load.Accepted())
	return float64(n) / to.Sub(from).Seconds(), nil
}
