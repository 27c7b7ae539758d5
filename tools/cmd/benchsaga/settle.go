package main

import (
	"sync"

	"github.com/nats-io/nats.go"
)

// settleSubjects are the events that finish a confirmed order's saga after
// its confirmation: the sale of its stock, the capture of its payment and
// its notification.
var settleSubjects = []string{"inventory.committed.v1", "payment.captured.v1", "notification.sent.v1"}

// settled tracks which orders' sagas have finished, so that the latency
// run can place each order once the previous saga is over: one saga at a
// time, not the next one racing the previous one's last steps.
type settled struct {
	mu      sync.Mutex
	seen    map[string]map[string]bool // order id → settle subjects seen
	waiters map[string]chan struct{}
}

func watchSettled(nc *nats.Conn) (*settled, error) {
	s := &settled{seen: map[string]map[string]bool{}, waiters: map[string]chan struct{}{}}
	for _, subj := range settleSubjects {
		if _, err := nc.Subscribe(subj+".*", func(m *nats.Msg) { s.record(subj, m.Header.Get("ce-subject")) }); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *settled) record(subject, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[id] == nil {
		s.seen[id] = map[string]bool{}
	}
	s.seen[id][subject] = true
	if w, ok := s.waiters[id]; ok && len(s.seen[id]) == len(settleSubjects) {
		close(w)
		delete(s.waiters, id)
	}
}

// wait returns a channel closed once the order's saga has finished.
func (s *settled) wait(id string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan struct{})
	if len(s.seen[id]) == len(settleSubjects) {
		close(ch)
		return ch
	}
	s.waiters[id] = ch
	return ch
}
