// Package livefeed follows the events published on the bus as they happen,
// for the live streams of the HTTP API: a core NATS subscription on the
// events' subjects, which sees every message JetStream stores, without a
// consumer on the server.
package livefeed

import (
	"fmt"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
)

// Feed makes followers on one NATS connection.
type Feed struct {
	nc *nats.Conn
}

// New returns a Feed on nc, the service's bus connection.
func New(nc *nats.Conn) *Feed { return &Feed{nc: nc} }

// Follower is one client's view of the feed: the events of its subjects
// that its filter keeps, in a buffer of fixed size. When the buffer is full
// the follower overflows: it stops, and Overflowed is closed, so that a
// slow client is dropped instead of growing the process's memory.
type Follower struct {
	events     chan event.Event
	overflowed chan struct{}
	subs       []*nats.Subscription
	once       sync.Once
}

// Follow subscribes to subjects (NATS wildcards allowed) and keeps the
// events for which keep returns true, up to buffer of them not yet read.
// Messages that are not events are skipped: the consumers dead-letter them.
func (f *Feed) Follow(subjects []string, buffer int, keep func(event.Event) bool) (*Follower, error) {
	fl := &Follower{events: make(chan event.Event, buffer), overflowed: make(chan struct{})}
	for _, subject := range subjects {
		sub, err := f.nc.Subscribe(subject, fl.receive(keep))
		if err != nil {
			fl.Close()
			return nil, fmt.Errorf("subscribe %s: %w", subject, err)
		}
		fl.subs = append(fl.subs, sub)
	}
	// The subscriptions are registered on the server once a round trip
	// has passed; until then a publish could miss them.
	if err := f.nc.Flush(); err != nil {
		fl.Close()
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	return fl, nil
}

// receive is the subscription's handler; it never blocks the connection.
func (fl *Follower) receive(keep func(event.Event) bool) nats.MsgHandler {
	return func(m *nats.Msg) {
		ev, err := bus.EventFromMsg(m.Subject, m.Header, m.Data)
		if err != nil || !keep(ev) {
			return
		}
		select {
		case fl.events <- ev:
		default:
			fl.overflow()
		}
	}
}

func (fl *Follower) overflow() {
	fl.once.Do(func() { close(fl.overflowed) })
}

// Events delivers the followed events in the order they were published
// per subject.
func (fl *Follower) Events() <-chan event.Event { return fl.events }

// Overflowed is closed when the reader fell a full buffer behind.
func (fl *Follower) Overflowed() <-chan struct{} { return fl.overflowed }

// Close ends the subscriptions; events already buffered stay readable.
func (fl *Follower) Close() {
	for _, sub := range fl.subs {
		_ = sub.Unsubscribe()
	}
}
