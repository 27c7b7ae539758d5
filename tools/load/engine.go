package load

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventshop/eventshop/tools/client"
)

// state is a run's moving parts.
type state struct {
	cfg       Config
	began     time.Time
	tl        *Timeline
	skus      []string
	customers []*customer
	tracker   *tracker
	inFlight  atomic.Int64
	ops       sync.WaitGroup

	mu       sync.Mutex
	counts   map[Op]*OpCount
	arrivals int
	orders   int
	recent   []placed // the last recentOrders accepted orders, oldest first
	ended    bool     // arrivals are over
}

// placed is an accepted order, as the operations that act on one see it.
type placed struct {
	id   string
	cust *customer
}

// recentOrders bounds the orders that read, cancel and follow pick from.
const recentOrders = 1024

func newState(r *Run, skus []string, customers []*customer) *state {
	s := &state{
		cfg: r.cfg, began: r.began, tl: r.report.Timeline, skus: skus, customers: customers,
		counts: map[Op]*OpCount{},
	}
	measured := *r.cfg.HTTP
	base := measured.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	measured.Transport = recording{base: base, tl: s.tl}
	for _, c := range customers {
		c.api = &client.Client{Resolve: c.poll.Resolve, HTTP: &measured, Token: c.poll.Token}
	}
	for _, op := range MixOps {
		s.counts[op] = &OpCount{}
	}
	s.tracker = newTracker(r.cfg, s.tl)
	return s
}

// arrival is one operation the schedule sent, with every random choice
// drawn up front: the dispatcher alone touches Config.Rand.
type arrival struct {
	op   Op
	cust *customer
	sku  string
	qty  int
	card string
	pick float64 // chooses among the recent orders
}

func (s *state) draw() arrival {
	rnd := s.cfg.Rand
	return arrival{
		op:   s.cfg.Mix.pick(rnd.Float64()),
		cust: s.customers[rnd.IntN(len(s.customers))],
		sku:  s.skus[rnd.IntN(len(s.skus))],
		qty:  1 + rnd.IntN(maxQuantity),
		card: s.cfg.Cards.pick(rnd.Float64()),
		pick: rnd.Float64(),
	}
}

// arrive sends operations on the pacer's schedule until the duration has
// passed, Stop is called or ctx ends. Like vegeta's attacker, it never
// waits for an answer: each operation runs on its own goroutine.
func (s *state) arrive(ctx context.Context, stop <-chan struct{}) time.Duration {
	var hits uint64
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for {
		elapsed := time.Since(s.began)
		if elapsed >= s.cfg.Duration {
			return s.cfg.Duration
		}
		wait, end := s.cfg.Pacer.Pace(elapsed, hits)
		if end {
			return elapsed
		}
		if wait > 0 {
			timer.Reset(min(wait, s.cfg.Duration-elapsed))
			select {
			case <-ctx.Done():
				return time.Since(s.began)
			case <-stop:
				return time.Since(s.began)
			case <-timer.C:
			}
			if time.Since(s.began) >= s.cfg.Duration {
				return s.cfg.Duration
			}
		}
		hits++
		s.dispatch(ctx, s.draw())
	}
}

func (s *state) dispatch(ctx context.Context, a arrival) {
	s.mu.Lock()
	s.arrivals++
	s.mu.Unlock()
	if s.inFlight.Load() >= int64(s.cfg.MaxInFlight) {
		now := time.Now()
		s.count(a.op, false, true)
		s.cfg.Log.Write(Entry{Op: a.op, Start: now, End: now, Result: "skipped", Customer: a.cust.name})
		return
	}
	s.inFlight.Add(1)
	s.ops.Add(1)
	go func() {
		defer s.ops.Done()
		defer s.inFlight.Add(-1)
		s.do(ctx, a)
	}()
}

func (s *state) count(op Op, failed, skipped bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counts[op]
	if c == nil {
		c = &OpCount{}
		s.counts[op] = c
	}
	switch {
	case skipped:
		c.Skipped++
	case failed:
		c.N++
		c.Errors++
	default:
		c.N++
	}
}

// remember keeps an accepted order for later reads, cancels and follows.
func (s *state) remember(p placed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders++
	if len(s.recent) == recentOrders {
		s.recent = s.recent[1:]
	}
	s.recent = append(s.recent, p)
}

// pickRecent returns one of the recent orders, chosen by u in [0, 1);
// pending prefers one of the newest still being followed (a cancel wants
// a pending order). ok is false when none was placed yet.
func (s *state) pickRecent(u float64, pending bool) (placed, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.recent) == 0 {
		return placed{}, false
	}
	if pending {
		var open []placed
		for i := len(s.recent) - 1; i >= 0 && i >= len(s.recent)-64; i-- {
			if s.tracker.pending(s.recent[i].id) {
				open = append(open, s.recent[i])
			}
		}
		if len(open) > 0 {
			return open[int(u*float64(len(open)))], true
		}
	}
	return s.recent[int(u*float64(len(s.recent)))], true
}
