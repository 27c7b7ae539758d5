package outbox

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/event"
)

// A writer that knows the events of its transaction can hand them to the
// leader relay of its process when it commits, so the relay publishes them
// without first claiming their rows: a round trip less on every hop of a
// saga. The rows stay the truth. The relay marks them sent after
// publishing, and whatever it was not handed, or could not publish, a
// claim finds later as before.
//
// Order is kept by two rules. A Ticket is taken after the transaction's
// last lock and before its commit, and the relay publishes tickets in the
// order they were taken, so two transactions of this process on one
// aggregate, which its locks serialise, are published in commit order.
// And the commit carries a guard (Ticket.QueueGuard): if an earlier event
// of one of the transaction's aggregates is still unsent (written by
// another process, or by a writer that does not hand over, or handed over
// and not yet published), the ticket falls back to a claim, which
// publishes every unsent row in id order.

// ticketState is what became of a ticket's transaction.
type ticketState int

const (
	ticketPending ticketState = iota
	ticketPublish             // committed; the events are the oldest unsent of their aggregates
	ticketClaim               // committed, but the rows must be claimed in id order
	ticketAbort               // rolled back: nothing to publish
)

// staleTicket is how long the relay waits for a ticket's outcome before it
// treats the ticket as one to claim, so a writer that never reports cannot
// hold the ones behind it.
const staleTicket = 5 * time.Second

// Ticket holds the place of one transaction's events in the publishing
// order of the leader relay of its database in this process. Take it with Reserve just
// before the commit and report the outcome with Done. A nil Ticket (no
// leader relay in this process) is valid: its Done wakes the relays as
// Committed does.
type Ticket struct {
	relay *Relay
	taken time.Time
	state ticketState
	evs   []event.Event
}

// Reserve returns a ticket of this process's leader relay of pool's
// database, or nil when there is none.
func Reserve(pool *pgxpool.Pool) *Ticket {
	var leader *Relay
	eachLocal(func(r *Relay) {
		if r.pool == pool && r.leader.Load() {
			leader = r
		}
	})
	if leader == nil {
		return nil
	}
	t := &Ticket{relay: leader, taken: time.Now()}
	leader.tmu.Lock()
	leader.tickets = append(leader.tickets, t)
	leader.tmu.Unlock()
	return t
}

// guardSQL reports whether an unsent row of aggregates $1 exists other
// than the events $2 and the handed events in flight $3, which are
// published already. In the committing transaction it sees every row
// committed before the transaction's locks were granted.
const guardSQL = `SELECT EXISTS (SELECT 1 FROM outbox WHERE sent_at IS NULL
  AND aggregate_id = ANY($1::text[]) AND event_id <> ALL($2::uuid[]) AND event_id <> ALL($3::uuid[]))`

// Guard is the result of QueueGuard, known once its batch has run.
type Guard struct{ clear bool }

// QueueGuard adds to b, the batch sent with the commit, the check that evs
// are the oldest unsent events of their aggregates, but for events the
// relay published already. On a nil Ticket it adds nothing and returns nil.
func (t *Ticket) QueueGuard(b *pgx.Batch, evs []event.Event) *Guard {
	if t == nil {
		return nil
	}
	g := &Guard{}
	aggregates := make([]string, 0, len(evs))
	ids := make([]string, 0, len(evs))
	for _, ev := range evs {
		aggregates = append(aggregates, ev.Subject)
		ids = append(ids, ev.ID)
	}
	slices.Sort(aggregates)
	aggregates = slices.Compact(aggregates)
	b.Queue(guardSQL, aggregates, ids, t.relay.inflightIDs()).QueryRow(func(row pgx.Row) error {
		var older bool
		if err := row.Scan(&older); err != nil {
			return err
		}
		g.clear = !older
		return nil
	})
	return g
}

// Done reports the transaction's outcome: committed or not, and for a
// commit whether guard (nil for a transaction that creates its aggregates)
// found the events to be the oldest unsent ones. Call it exactly once,
// also when the commit failed.
func (t *Ticket) Done(committed bool, guard *Guard, evs []event.Event) {
	if t == nil {
		if committed {
			Committed()
		}
		return
	}
	state := ticketAbort
	switch {
	case committed && len(evs) > 0 && (guard == nil || guard.clear):
		state = ticketPublish
	case committed:
		state = ticketClaim
	}
	r := t.relay
	r.tmu.Lock()
	t.state, t.evs = state, evs
	r.tmu.Unlock()
	signal(r.handoff)
}

// handed is what the relay takes off the head of its tickets at once.
type handed struct {
	evs   []event.Event // to publish, in ticket order
	claim bool          // after publishing evs, claim before the next tickets
}

// takeTickets removes the tickets whose outcome is known from the head of
// the queue, up to the first pending one or the first that asks for a
// claim. A ticket pending for longer than staleTicket counts as one to
// claim.
func (r *Relay) takeTickets(now time.Time) (h handed) {
	r.tmu.Lock()
	defer r.tmu.Unlock()
	n := 0
	for _, t := range r.tickets {
		state := t.state
		if state == ticketPending {
			if now.Sub(t.taken) < staleTicket {
				break
			}
			r.log.Warn("outbox ticket without an outcome; claiming instead", "age", now.Sub(t.taken))
			state = ticketClaim
		}
		n++
		if state == ticketPublish {
			h.evs = append(h.evs, t.evs...)
		}
		if state == ticketClaim {
			h.claim = true
			break
		}
	}
	r.tickets = slices.Delete(r.tickets, 0, n)
	return h
}

// dropTickets forgets every ticket, when the relay stops leading: the
// rows stay unsent for the next leader to claim.
func (r *Relay) dropTickets() {
	r.tmu.Lock()
	clear(r.tickets)
	r.tickets = r.tickets[:0]
	r.tmu.Unlock()
}

// publishHanded publishes what takeTickets returned, in order. Events
// whose publish failed are left to a claim. Published events are in flight
// until markHandedLoop marked them: claims pass over them meanwhile, so a
// claim right after a hand-over does not publish them again. It reports
// whether a claim is due.
func (r *Relay) publishHanded(ctx context.Context, h handed, marks chan<- []string) (claim bool) {
	if len(h.evs) == 0 {
		return h.claim
	}
	if err := r.pub.Publish(ctx, h.evs...); err != nil {
		if ctx.Err() == nil {
			r.log.Warn("publish handed events; claiming instead", "events", len(h.evs), "error", err)
		}
		return true
	}
	ids := make([]string, len(h.evs))
	r.tmu.Lock()
	for i, ev := range h.evs {
		ids[i] = ev.ID
		r.inflight[ev.ID] = struct{}{}
	}
	r.tmu.Unlock()
	marks <- ids
	return h.claim
}

// markHandedSQL marks handed events sent, skipping rows a claim holds
// (the claim marks those). The batch runs as one implicit transaction
// whose commit does not wait for its WAL flush, as the claim's does not.
const markHandedSQL = `UPDATE outbox SET sent_at = now() WHERE id IN (
  SELECT id FROM outbox WHERE event_id = ANY($1::uuid[]) AND sent_at IS NULL FOR UPDATE SKIP LOCKED)`

// markHandedLoop marks published handed events sent, joining what piled
// up while the previous statement ran into one statement. It returns once
// marks is closed and drained.
func (r *Relay) markHandedLoop(ctx context.Context, marks <-chan []string) {
	for ids := range marks {
		for more := true; more; {
			select {
			case next, ok := <-marks:
				if !ok {
					more = false
					break
				}
				ids = append(ids, next...)
			default:
				more = false
			}
		}
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		b := &pgx.Batch{}
		b.Queue(`SELECT set_config('synchronous_commit', 'off', true)`)
		b.Queue(markHandedSQL, ids)
		err := r.pool.SendBatch(mctx, b).Close()
		cancel()
		r.tmu.Lock()
		for _, id := range ids {
			delete(r.inflight, id)
		}
		r.tmu.Unlock()
		if err != nil {
			r.log.Warn("mark handed events sent", "events", len(ids), "error", err)
			continue
		}
		relayedTotal.Add(float64(len(ids)))
		handedTotal.Add(float64(len(ids)))
	}
}

// inflightIDs returns the handed events published and not yet marked.
func (r *Relay) inflightIDs() []string {
	r.tmu.Lock()
	defer r.tmu.Unlock()
	ids := make([]string, 0, len(r.inflight))
	for id := range r.inflight {
		ids = append(ids, id)
	}
	return ids
}
