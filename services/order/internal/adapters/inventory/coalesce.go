package inventory

import (
	"context"
	"sync"
)

// maxSKUsPerRequest is the most SKUs one merged request names: inventory
// answers at most 100 sku parameters.
const maxSKUsPerRequest = 100

// lookups merges the price lookups of concurrent placements. While a
// request to inventory is under way, the lookups that arrive queue up, and
// when it returns they go together in the next request. An idle client
// sends at once, so an order placed alone waits for nothing; under load one
// request serves many orders, which spares both services an HTTP exchange
// and inventory a query per order. Every lookup is still answered by a
// request sent after it arrived, so it sees prices as fresh as its own
// request would have.
type lookups struct {
	fetch func(ctx context.Context, skus []string) (map[string]int64, error)

	mu    sync.Mutex
	busy  bool      // a request is under way
	queue []*lookup // lookups waiting for the next request
}

// lookup is one caller's wait for the prices of its SKUs.
type lookup struct {
	ctx    context.Context
	skus   []string
	done   chan struct{}
	prices map[string]int64
	err    error
}

// prices returns the prices of skus, from a request of its own when none
// is under way, else from the next merged one.
func (l *lookups) prices(ctx context.Context, skus []string) (map[string]int64, error) {
	w := &lookup{ctx: ctx, skus: skus, done: make(chan struct{})}
	l.mu.Lock()
	l.queue = append(l.queue, w)
	lead := !l.busy
	l.busy = true
	l.mu.Unlock()
	if lead {
		l.round()
	}
	select {
	case <-w.done:
		return w.prices, w.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// round sends one request for the lookups queued, up to
// maxSKUsPerRequest SKUs, and answers them. If more are queued by then, the
// next round runs on its own goroutine, so the caller that led this one
// returns with its answer.
func (l *lookups) round() {
	batch, skus := l.take()
	if len(batch) > 0 {
		prices, err := l.fetch(batchContext(batch), skus)
		for _, w := range batch {
			if err == nil {
				w.prices = subset(prices, w.skus)
			}
			w.err = err
			close(w.done)
		}
	}
	l.mu.Lock()
	more := len(l.queue) > 0
	l.busy = more
	l.mu.Unlock()
	if more {
		go l.round()
	}
}

// take removes from the queue the lookups of the next request, dropping
// those whose caller gave up, and returns them with their SKUs.
func (l *lookups) take() ([]*lookup, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var batch []*lookup
	seen := map[string]bool{}
	var skus []string
	rest := l.queue[:0]
	for _, w := range l.queue {
		switch {
		case w.ctx.Err() != nil:
			close(w.done) // its caller has returned already
		case len(batch) > 0 && len(skus)+len(w.skus) > maxSKUsPerRequest:
			rest = append(rest, w)
		default:
			batch = append(batch, w)
			for _, s := range w.skus {
				if !seen[s] {
					seen[s] = true
					skus = append(skus, s)
				}
			}
		}
	}
	clear(l.queue[len(rest):])
	l.queue = rest
	return batch, skus
}

// batchContext is the context of a merged request: the first waiter's
// values (its trace) without its cancellation, so that one client leaving
// does not fail the others' lookups. The client's timeout bounds it.
func batchContext(batch []*lookup) context.Context {
	return context.WithoutCancel(batch[0].ctx)
}

// subset returns the prices of skus among prices.
func subset(prices map[string]int64, skus []string) map[string]int64 {
	out := make(map[string]int64, len(skus))
	for _, s := range skus {
		if p, ok := prices[s]; ok {
			out[s] = p
		}
	}
	return out
}
