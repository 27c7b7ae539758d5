package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/eventshop/eventshop/tools/scale"
)

// Phases of the NATS failover run.
const (
	warmUp   = 15 * time.Second // load before the kill
	nodeDown = 20 * time.Second // how long the killed node stays down
	coolDown = 10 * time.Second // load after it is back
	// sagaWindowBefore is how far before the kill the orders whose saga
	// latency is reported start: they were in flight when it happened.
	sagaWindowBefore = 5 * time.Second
)

// natsFailover kills the node leading the ORDER stream of a three-node
// cluster under load, and prints how long until the order relay published
// again, the saga latency of the orders placed around the failover, and
// what the run lost or repeated.
func (b bench) natsFailover(ctx context.Context, rate float64) error {
	p, err := b.start(ctx, "nats-failover", "", 1, 3)
	if err != nil {
		return err
	}
	defer p.Close()
	load := scale.StartLoad(ctx, p.Gateway(), p.SKUs, rate)
	ids, failed, resumed, killed, err := failOver(ctx, p, load)
	if err != nil {
		return err
	}
	line("nats_publish_resume_seconds", seconds(resumed))
	p50, p99, n, err := sagaLatency(ctx, p, killed.Add(-sagaWindowBefore), killed.Add(nodeDown))
	if err != nil {
		return err
	}
	line("saga_failover_orders", n)
	line("saga_failover_p50_seconds", seconds(p50))
	line("saga_failover_p99_seconds", seconds(p99))
	if err := settleAndPrint(ctx, p, ids, failed); err != nil {
		return err
	}
	_, err = poll(ctx, func() (string, bool, error) { return "", p.CaughtUp(ctx) == nil, nil })
	line("node_caught_up", err == nil)
	return nil
}

// failOver runs the load through the kill and restart of the ORDER
// stream's leader node, and returns the accepted orders, how long after
// the kill a row committed after it was published, and when the kill was.
func failOver(ctx context.Context, p *scale.Platform, load *scale.Load) (ids []string, failed int, resumed time.Duration, killed time.Time, err error) {
	defer func() {
		if ids == nil {
			load.Stop()
		}
	}()
	if !sleep(ctx, warmUp) {
		return nil, 0, 0, killed, ctx.Err()
	}
	leader, err := p.StreamLeader(ctx, "ORDER")
	if err != nil {
		return nil, 0, 0, killed, err
	}
	node := p.Node(leader)
	killed = time.Now()
	node.Down()
	fmt.Fprintf(os.Stderr, "killed node %d, leader of ORDER\n", leader+1)
	if _, err := poll(ctx, func() (string, bool, error) {
		var sent bool
		err := p.Sources.Order.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE created_at > $1 AND sent_at IS NOT NULL)`, killed).Scan(&sent)
		return "", sent, err
	}); err != nil {
		return nil, 0, 0, killed, err
	}
	resumed = time.Since(killed)
	if !sleep(ctx, time.Until(killed.Add(nodeDown))) {
		return nil, 0, 0, killed, ctx.Err()
	}
	if err := node.Start(); err != nil {
		return nil, 0, 0, killed, err
	}
	sleep(ctx, coolDown)
	ids, failed = load.Stop()
	return ids, failed, resumed, killed, nil
}

// sagaLatency returns the p50 and p99 of the time from placement to final
// of the orders placed between from and to, and how many there were.
func sagaLatency(ctx context.Context, p *scale.Platform, from, to time.Time) (p50, p99 time.Duration, n int, err error) {
	rows, err := p.Sources.Order.Query(ctx, `SELECT extract(epoch FROM updated_at - created_at)::float8 FROM orders
		WHERE created_at BETWEEN $1 AND $2 AND status <> 'PENDING' ORDER BY 1`, from, to)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("saga latency: %w", err)
	}
	defer rows.Close()
	var ds []time.Duration
	for rows.Next() {
		var s float64
		if err := rows.Scan(&s); err != nil {
			return 0, 0, 0, err
		}
		ds = append(ds, time.Duration(s*float64(time.Second)))
	}
	if err := rows.Err(); err != nil || len(ds) == 0 {
		return 0, 0, 0, err
	}
	at := func(q float64) time.Duration { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
	return at(0.5), at(0.99), len(ds), nil
}

// sleep waits d or until ctx is done, and reports whether d passed: the
// bench's phases are lengths of load, not synchronisation.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
