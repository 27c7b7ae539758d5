package bus

import (
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// held is every message a consumer has received and not yet settled: the
// ones queued for the workers as well as the batches in the handlers. A
// message's AckWait runs from its delivery, so a message that waits in the
// queue behind slow batches would be redelivered while still held here
// unless it is kept alive too; keeping all of them alive is what lets
// AckWait be short, so that the messages a crashed process held come back
// within AckWait instead of a generous bound on the queue's wait.
type held struct {
	mu   sync.Mutex
	msgs map[jetstream.Msg]struct{}
}

func newHeld() *held {
	return &held{msgs: map[jetstream.Msg]struct{}{}}
}

// add starts keeping m alive.
func (h *held) add(m jetstream.Msg) {
	h.mu.Lock()
	h.msgs[m] = struct{}{}
	h.mu.Unlock()
}

// release stops keeping msgs alive: they are settled, or never will be here.
func (h *held) release(msgs ...jetstream.Msg) {
	h.mu.Lock()
	for _, m := range msgs {
		delete(h.msgs, m)
	}
	h.mu.Unlock()
}

func (h *held) snapshot() []jetstream.Msg {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]jetstream.Msg, 0, len(h.msgs))
	for m := range h.msgs {
		out = append(out, m)
	}
	return out
}

// keepAliveEvery is how often the held messages are reported in progress:
// a third of AckWait, so one lost report still leaves time for the next.
func keepAliveEvery(ackWait time.Duration) time.Duration {
	return max(ackWait/3, 10*time.Millisecond)
}

// keepAlive tells JetStream every keepAliveEvery that each held message is
// still being worked on, until stop is closed. A report for a message
// settled meanwhile is refused by the client or ignored by the server.
func (c *Consumer) keepAlive(stop <-chan struct{}) {
	defer c.keeper.Done()
	ticker := time.NewTicker(keepAliveEvery(c.cfg.AckWait))
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
			for _, m := range c.held.snapshot() {
				_ = m.InProgress() // best effort: a lost one only risks a redelivery, which the inbox absorbs
			}
		}
	}
}
