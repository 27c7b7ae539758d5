package load

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// trackedOrder is an accepted order followed to its final status.
type trackedOrder struct {
	id     string
	cust   *customer
	card   string
	placed time.Time // when the placing request left
	next   time.Time // when to poll it next
}

// An order is polled every tenth of its age, between firstPoll and
// lastPoll apart, so a saga's end is seen within about a tenth of its
// latency while a long one costs few reads.
const (
	firstPoll = 20 * time.Millisecond
	lastPoll  = 500 * time.Millisecond
	pollLimit = 5 * time.Second // one poll's own timeout
)

// nextPoll is when to poll an order placed at placed again, after now.
func nextPoll(placed, now time.Time) time.Time {
	return now.Add(min(max(now.Sub(placed)/10, firstPoll), lastPoll))
}

// tracker follows every accepted order to its final status with at most
// Trackers polls at once, by reading the order as its owner through the
// gateway: the end of a saga as its customer sees it.
type tracker struct {
	cfg      Config
	tl       *Timeline
	incoming chan trackedOrder

	mu         sync.Mutex
	open       map[string]bool // accepted and not yet seen final
	finished   int
	outcomes   map[string]int // final status (or "STUCK") → orders
	saga       []time.Duration
	polls      int
	pollErrors int
}

func newTracker(cfg Config, tl *Timeline) *tracker {
	return &tracker{
		cfg: cfg, tl: tl, incoming: make(chan trackedOrder, 1024),
		open: map[string]bool{}, outcomes: map[string]int{},
	}
}

// add starts following o.
func (t *tracker) add(ctx context.Context, o trackedOrder) {
	t.mu.Lock()
	t.open[o.id] = true
	t.mu.Unlock()
	o.next = nextPoll(o.placed, time.Now())
	select {
	case t.incoming <- o:
	case <-ctx.Done():
	}
}

// pending reports whether the order is accepted and not yet seen final.
func (t *tracker) pending(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.open[id]
}

// queue orders the followed orders by their next poll.
type queue []trackedOrder

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].next.Before(q[j].next) }
func (q queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)        { *q = append(*q, x.(trackedOrder)) }
func (q *queue) Pop() any {
	old := *q
	o := old[len(old)-1]
	*q = old[:len(old)-1]
	return o
}

// run polls due orders until drain is closed and every order is final, or
// until the settle deadline after drain; what is left then is stuck.
func (t *tracker) run(ctx context.Context, drain <-chan struct{}) {
	work := make(chan trackedOrder, t.cfg.Trackers)
	back := make(chan *trackedOrder, t.cfg.Trackers)
	var wg sync.WaitGroup
	for range t.cfg.Trackers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range work {
				back <- t.poll(ctx, o)
			}
		}()
	}
	q := t.loop(ctx, drain, work, back)
	close(work)
	wg.Wait()
	close(back)
	for o := range back {
		if o != nil {
			q = append(q, *o)
		}
	}
	for _, o := range q {
		t.stuck(o)
	}
}

// loop hands due orders to the pollers and returns the orders still open
// when it gives up.
func (t *tracker) loop(ctx context.Context, drain <-chan struct{}, work chan<- trackedOrder, back <-chan *trackedOrder) queue {
	var q queue
	busy := 0
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var deadline <-chan time.Time
	for {
		now := time.Now()
		for q.Len() > 0 && busy < t.cfg.Trackers && !q[0].next.After(now) {
			work <- heap.Pop(&q).(trackedOrder)
			busy++
		}
		if deadline != nil && q.Len() == 0 && busy == 0 && len(t.incoming) == 0 {
			return q
		}
		if q.Len() > 0 && busy < t.cfg.Trackers {
			timer.Reset(q[0].next.Sub(now))
		}
		select {
		case o := <-t.incoming:
			heap.Push(&q, o)
		case o := <-back:
			busy--
			if o != nil {
				heap.Push(&q, *o)
			}
		case <-timer.C:
		case <-drain:
			drain, deadline = nil, time.After(t.cfg.SettleTimeout)
		case <-deadline:
			return t.collect(q, busy, back)
		case <-ctx.Done():
			return t.collect(q, busy, back)
		}
	}
}

// collect waits for the polls under way and returns every open order.
func (t *tracker) collect(q queue, busy int, back <-chan *trackedOrder) queue {
	for ; busy > 0; busy-- {
		if o := <-back; o != nil {
			q = append(q, *o)
		}
	}
	return q
}

// poll reads o once; it returns o to poll again later, or nil when final.
func (t *tracker) poll(ctx context.Context, o trackedOrder) *trackedOrder {
	pctx, cancel := context.WithTimeout(ctx, pollLimit)
	got, err := o.cust.poll.Order(pctx, o.id)
	cancel()
	now := time.Now()
	t.mu.Lock()
	t.polls++
	if err != nil {
		t.pollErrors++
	}
	t.mu.Unlock()
	if err == nil && got.Final() {
		t.final(o, got.Status, now)
		return nil
	}
	o.next = nextPoll(o.placed, now)
	return &o
}

func (t *tracker) final(o trackedOrder, status string, seen time.Time) {
	latency := seen.Sub(o.placed)
	t.tl.Saga(seen, latency, status)
	t.mu.Lock()
	delete(t.open, o.id)
	t.finished++
	t.outcomes[status]++
	t.saga = append(t.saga, latency)
	t.mu.Unlock()
	t.cfg.Log.Write(Entry{Op: OpSaga, Start: o.placed, End: seen, Result: status,
		Customer: o.cust.name, OrderID: o.id, Card: o.card})
}

func (t *tracker) stuck(o trackedOrder) {
	t.mu.Lock()
	t.outcomes["STUCK"]++
	t.mu.Unlock()
	t.cfg.Log.Write(Entry{Op: OpSaga, Start: o.placed, End: time.Now(), Result: "STUCK",
		Customer: o.cust.name, OrderID: o.id, Card: o.card, Error: "not final within the settle timeout"})
}
