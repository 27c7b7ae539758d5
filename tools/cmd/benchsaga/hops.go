package main

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// hopSubjects are the saga's events on the path to order.confirmed, in order.
var hopSubjects = []string{"order.placed.v2", "inventory.reserved.v1", "payment.authorised.v1", "order.confirmed.v1"}

// hops records, per order, when each saga event was created (its ce-time,
// set inside the writing transaction) and when it reached NATS, to split a
// saga's time into the work of each service and the relay lag of each event.
type hops struct {
	mu   sync.Mutex
	seen map[string]map[string][2]time.Time // order id → subject prefix → created, seen
}

func watchHops(nc *nats.Conn) (*hops, error) {
	h := &hops{seen: map[string]map[string][2]time.Time{}}
	for _, s := range hopSubjects {
		if _, err := nc.Subscribe(s+".*", func(m *nats.Msg) { h.record(s, m) }); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func (h *hops) record(subject string, m *nats.Msg) {
	now := time.Now()
	created, _ := time.Parse(time.RFC3339Nano, m.Header.Get("ce-time"))
	id := m.Header.Get("ce-subject")
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seen[id] == nil {
		h.seen[id] = map[string][2]time.Time{}
	}
	if _, dup := h.seen[id][subject]; !dup {
		h.seen[id][subject] = [2]time.Time{created, now}
	}
}

// report prints the median of every step over the given orders: each
// event's relay lag (created → on NATS) and each service's reaction (the
// previous event on NATS → this event created).
func (h *hops) report(w io.Writer, ids []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	steps := map[string][]float64{}
	var names []string
	add := func(name string, d time.Duration) {
		if _, ok := steps[name]; !ok {
			names = append(names, name)
		}
		steps[name] = append(steps[name], float64(d.Microseconds())/1000)
	}
	for _, id := range ids {
		ev := h.seen[id]
		if len(ev) != len(hopSubjects) {
			continue
		}
		for i, s := range hopSubjects {
			if i > 0 {
				add("react "+s, ev[s][0].Sub(ev[hopSubjects[i-1]][1]))
			}
			add("relay "+s, ev[s][1].Sub(ev[s][0]))
		}
	}
	for _, n := range names {
		v := steps[n]
		slices.Sort(v)
		fmt.Fprintf(w, "hop %-32s p50=%7.2fms p90=%7.2fms n=%d\n", n, v[len(v)/2], v[len(v)*9/10], len(v))
	}
}
