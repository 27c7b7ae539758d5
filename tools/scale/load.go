package scale

import (
	"context"
	"sync"
	"time"

	"github.com/eventshop/eventshop/tools/client"
)

// maxInFlight bounds the orders being placed at once, so that a stalled
// platform does not pile up goroutines.
const maxInFlight = 512

// Load places orders at a steady rate until Stop, each for one unit of a
// product in turn, through its clients in turn, and keeps the ids of the
// ones accepted.
type Load struct {
	cs     []*client.Client
	skus   []string
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	accepted []string
	failed   int
}

// StartLoad places rate orders per second through cs in turn until Stop.
func StartLoad(ctx context.Context, cs []*client.Client, skus []string, rate float64) *Load {
	ctx, cancel := context.WithCancel(ctx)
	l := &Load{cs: cs, skus: skus, cancel: cancel, done: make(chan struct{})}
	go l.run(ctx, time.Duration(float64(time.Second)/rate))
	return l
}

func (l *Load) run(ctx context.Context, every time.Duration) {
	defer close(l.done)
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, maxInFlight)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		select {
		case slots <- struct{}{}:
		default:
			l.record("", false) // the platform is not keeping up
			continue
		}
		sku, c := l.skus[i%len(l.skus)], l.cs[i%len(l.cs)]
		wg.Go(func() {
			defer func() { <-slots }()
			// A placement that outlives Stop still completes, so that an
			// order the platform accepted is known.
			pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			o, err := c.PlaceOrder(pctx, []client.Line{{SKU: sku, Quantity: 1}}, "tok_visa", "")
			l.record(o.ID, err == nil)
		})
	}
}

func (l *Load) record(id string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ok {
		l.accepted = append(l.accepted, id)
	} else {
		l.failed++
	}
}

// Accepted returns how many orders were accepted so far.
func (l *Load) Accepted() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.accepted)
}

// Stop ends the load, waits for the placements under way, and returns the
// ids of the accepted orders and how many placements failed.
func (l *Load) Stop() (accepted []string, failed int) {
	l.cancel()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.accepted, l.failed
}
