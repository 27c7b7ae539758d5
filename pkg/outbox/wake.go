package outbox

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/eventshop/eventshop/pkg/outage"
)

// fallbackDelay is how long after an Add the relays of this process look
// for rows even if no Committed call follows, for writers that do not
// call it.
const fallbackDelay = 20 * time.Millisecond

// local holds the running relays of this process, which Add and Committed
// wake without a round trip to PostgreSQL.
var local = struct {
	mu     sync.Mutex
	relays map[*Relay]struct{}
}{relays: map[*Relay]struct{}{}}

func register(r *Relay) (unregister func()) {
	local.mu.Lock()
	local.relays[r] = struct{}{}
	local.mu.Unlock()
	return func() {
		local.mu.Lock()
		delete(local.relays, r)
		local.mu.Unlock()
	}
}

func eachLocal(fn func(*Relay)) {
	local.mu.Lock()
	defer local.mu.Unlock()
	for r := range local.relays {
		fn(r)
	}
}

// Committed tells the relays that a transaction that called Add has
// committed, so its rows are visible now. A leader relay of this process
// claims them at once; a standby relay of this process sends a NOTIFY on
// Channel, outside any transaction, to wake the leader elsewhere. Call it
// after every commit of such a transaction.
//
// Why not NOTIFY inside the writing transaction: PostgreSQL serialises the
// commits of all notifying transactions of the server under one lock held
// through the commit's WAL flush, which caps them at one fsync each, with
// no group commit. Without Committed the rows are still relayed: by the
// fallback wake-up shortly after Add, and by the relay's poll.
func Committed() {
	eachLocal(func(r *Relay) { r.committed() })
}

// added arms every local relay's fallback wake-up after an Add.
func added() {
	eachLocal(func(r *Relay) { r.armFallback() })
}

func (r *Relay) committed() {
	if r.leader.Load() {
		signal(r.wake)
		return
	}
	signal(r.notify)
}

// armFallback wakes the relay fallbackDelay from now, once for all the
// Adds made meanwhile.
func (r *Relay) armFallback() {
	if r.fallback.Swap(true) {
		return
	}
	time.AfterFunc(fallbackDelay, func() {
		r.fallback.Store(false)
		r.committed()
	})
}

// notifyLoop sends the NOTIFYs that standby relays of this process owe the
// leader, one at a time; requests made while one is in flight share the
// next.
func (r *Relay) notifyLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.notify:
		}
		_, err := r.pool.Exec(ctx, "SELECT pg_notify($1, '')", Channel)
		if err == nil || ctx.Err() != nil {
			continue
		}
		// The rows are relayed by the leader's poll anyway: back off
		// rather than retry on every Add while the database is away.
		if !outage.Sleep(ctx, r.db.Failed(fmt.Errorf("notify outbox relay: %w", err))) {
			return
		}
	}
}
