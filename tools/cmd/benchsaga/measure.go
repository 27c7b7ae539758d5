package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/tools/client"
	"github.com/eventshop/eventshop/tools/invariants"
)

// warmUp is how many orders of a sequential run warm up connections and
// caches and are left out of its figures.
const warmUp = 10

type latencies []float64

func (l latencies) percentile(p float64) float64 {
	if len(l) == 0 {
		return math.NaN()
	}
	s := slices.Clone(l)
	slices.Sort(s)
	return s[min(len(s)-1, int(math.Ceil(p/100*float64(len(s))))-1)]
}

// expect registers interest in an order's confirmation before it is placed.
func (b *bench) expect(id string) chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	ch := make(chan struct{})
	if _, seen := b.confirmed[id]; seen {
		close(ch)
		return ch
	}
	b.waiters[id] = ch
	return ch
}

func (b *bench) order(i int) []client.Line {
	return []client.Line{{SKU: b.skus[i%len(b.skus)], Quantity: 1}, {SKU: b.skus[(i+1)%len(b.skus)], Quantity: 2}}
}

// sequential places orders one at a time and returns each one's time from
// the request to its order.confirmed event, in milliseconds. With settle,
// each order is placed once the previous one's saga has finished (sold,
// captured, notified); without, the moment it is confirmed, while those
// last steps still run. warm, when not nil, is called once the warm-up
// orders are done, before the first measured one.
func (b *bench) sequential(ctx context.Context, n int, settle *settled, warm func() error) (latencies, []string, error) {
	out := make(latencies, 0, n)
	ids := make([]string, 0, n)
	for i := range n {
		if i == warmUp && warm != nil {
			if err := warm(); err != nil {
				return nil, nil, err
			}
		}
		start := time.Now()
		o, err := b.customer.PlaceOrder(ctx, b.order(i), "tok_visa", "")
		if err != nil {
			return nil, nil, err
		}
		ids = append(ids, o.ID)
		select {
		case <-b.expect(o.ID):
		case <-time.After(30 * time.Second):
			return nil, nil, fmt.Errorf("order %s not confirmed within 30s", o.ID)
		}
		b.mu.Lock()
		end := b.confirmed[o.ID]
		b.mu.Unlock()
		if i >= warmUp {
			out = append(out, float64(end.Sub(start).Microseconds())/1000)
		}
		if settle == nil {
			continue
		}
		select {
		case <-settle.wait(o.ID):
		case <-time.After(30 * time.Second):
			return nil, nil, fmt.Errorf("saga of order %s not finished within 30s", o.ID)
		}
	}
	return out, ids, nil
}

// concurrent places n orders from c clients and returns confirmed orders per
// second, from the first request to the last confirmation.
func (b *bench) concurrent(ctx context.Context, c, n int) (float64, error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Int64
	ids := make([]string, n)
	start := time.Now()
	for range c {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				o, err := b.customer.PlaceOrder(ctx, b.order(i), "tok_visa", "")
				if err != nil {
					failed.Add(1)
					continue
				}
				ids[i] = o.ID
			}
		})
	}
	wg.Wait()
	placed := time.Since(start)
	last, confirmed, err := b.waitConfirmed(ctx, ids, 2*time.Minute)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(os.Stderr, "placed %d orders in %s (%d failed requests); %d confirmed\n", n, placed.Round(time.Millisecond), failed.Load(), confirmed)
	return float64(confirmed) / last.Sub(start).Seconds(), nil
}

func (b *bench) waitConfirmed(ctx context.Context, ids []string, timeout time.Duration) (time.Time, int, error) {
	deadline := time.After(timeout)
	var last time.Time
	count := 0
	for _, id := range ids {
		if id == "" {
			continue
		}
		select {
		case <-b.expect(id):
		case <-deadline:
			return last, count, fmt.Errorf("only %d of %d orders confirmed within %s", count, len(ids), timeout)
		case <-ctx.Done():
			return last, count, ctx.Err()
		}
		b.mu.Lock()
		if t := b.confirmed[id]; t.After(last) {
			last = t
		}
		b.mu.Unlock()
		count++
	}
	return last, count, nil
}

// invariants waits, at most timeout, for the platform to be quiet (the
// notifications of the last orders are the slowest to arrive) and returns
// how many invariants are broken, printing them and how long it waited.
// It reads the stores only once the outboxes are empty and the consumers
// have caught up (invariants.Quiet, a count per store): a check reads every
// document, and checking in a loop would slow down the very consumers and
// relays it waits for.
func (b *bench) invariants(ctx context.Context, timeout time.Duration) (int, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		js, err := jetstream.New(b.nc)
		if err != nil {
			return 0, err
		}
		asked := time.Now()
		if invariants.Quiet(ctx, b.sources, js) != nil && time.Now().Before(deadline) {
			// Polling the outboxes and the consumers, at most a fifth of the
			// time: Quiet's last query reads every notification.
			time.Sleep(max(500*time.Millisecond, 4*time.Since(asked)))
			continue
		}
		r, err := invariants.Check(ctx, b.sources, invariants.Options{Baseline: b.baseline})
		if err != nil {
			return 0, err
		}
		if r.OK() || time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "invariants checked %s after the last confirmation\n", time.Since(start).Round(time.Second))
			if !r.OK() {
				fmt.Fprintln(os.Stderr, r.String())
			}
			return len(r.Violations), nil
		}
		time.Sleep(time.Second) // events between a consumer and an outbox
	}
}
