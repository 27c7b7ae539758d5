package outbox

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/event"
)

// Handoff is the optional fast path from the writers of one process to
// the relay of the same process: a writer that knows the events of its
// transaction hands them over when it commits, and the relay publishes
// them without first claiming their rows, a round trip less on every hop
// of a saga (docs/adr/0006-outbox-and-inbox.md). The rows stay the truth:
// the relay marks them sent after publishing, and whatever it was not
// handed, or could not publish, a claim finds later.
//
// Create one when the service is wired and pass the same value to the
// relay (Options.Handoff) and to the writers. A nil *Handoff is the plain
// outbox: QueueCommit then queues the rows with a NOTIFY, as Queue does.
//
// Order is kept by two rules. A ticket is taken (QueueCommit) after the
// transaction's last lock and before its commit, and the relay publishes
// tickets in the order they were taken, so two transactions of this
// process on one aggregate, which its locks serialise, are published in
// commit order. And the commit carries a guard: if an earlier event of one
// of the transaction's aggregates is still unsent (written by another
// process, by a plain writer, or handed over and not yet published), the
// ticket falls back to a claim, which publishes every unsent row in id
// order.
type Handoff struct {
	relay atomic.Pointer[Relay] // the running relay, nil while none runs
}

// NewHandoff returns a hand-off with no relay yet; the relay given it in
// Options.Handoff attaches while it runs.
func NewHandoff() *Handoff { return &Handoff{} }

// QueueCommit adds to b, the batch sent with the transaction's COMMIT (or
// run as an implicit transaction), the insert of evs and, when this
// process's relay leads, the guard of their order; the caller reports the
// outcome with done, exactly once, also when the commit failed. Without a
// relay in this process it queues a NOTIFY instead, as Queue does.
func (h *Handoff) QueueCommit(b *pgx.Batch, evs []event.Event) (done func(committed bool)) {
	return h.queueCommit(b, evs, true)
}

// QueueCommitNew is QueueCommit for a transaction that creates the
// aggregates of evs (a new order): they can have no older unsent events,
// so the commit carries no guard.
func (h *Handoff) QueueCommitNew(b *pgx.Batch, evs []event.Event) (done func(committed bool)) {
	return h.queueCommit(b, evs, false)
}

func (h *Handoff) queueCommit(b *pgx.Batch, evs []event.Event, guarded bool) (done func(committed bool)) {
	if len(evs) == 0 {
		return func(bool) {}
	}
	var r *Relay
	if h != nil {
		r = h.relay.Load()
	}
	if r == nil {
		Queue(b, evs...)
		return func(bool) {}
	}
	queueInsert(b, evs)
	if !r.leader.Load() {
		// A standby: the leader runs elsewhere, and a NOTIFY after the
		// commit wakes it without serialising the commits (see wakeLeader).
		return func(committed bool) {
			if committed {
				r.wakeLeader()
			}
		}
	}
	t := r.reserve(evs)
	g := &guard{clear: true}
	if guarded {
		g = t.queueGuard(b, evs)
	}
	return func(committed bool) { t.done(committed, g) }
}

// attach makes r the relay of h while r runs; the returned func detaches it.
func (h *Handoff) attach(r *Relay) (detach func()) {
	if h == nil {
		return func() {}
	}
	h.relay.Store(r)
	return func() { h.relay.CompareAndSwap(r, nil) }
}

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

// ticket holds the place of one transaction's events in the publishing
// order of the leader relay.
type ticket struct {
	relay *Relay
	taken time.Time
	state ticketState
	evs   []event.Event
}

// reserve queues a new ticket for evs behind the ones taken before.
func (r *Relay) reserve(evs []event.Event) *ticket {
	t := &ticket{relay: r, taken: time.Now(), evs: evs}
	r.tmu.Lock()
	r.tickets = append(r.tickets, t)
	r.tmu.Unlock()
	return t
}

// guardSQL reports whether an unsent row of aggregates $1 exists other
// than the events $2 and the handed events in flight $3, which are
// published already. In the committing transaction it sees every row
// committed before the transaction's locks were granted.
const guardSQL = `SELECT EXISTS (SELECT 1 FROM outbox WHERE sent_at IS NULL
  AND aggregate_id = ANY($1::text[]) AND event_id <> ALL($2::uuid[]) AND event_id <> ALL($3::uuid[]))`

// guard is the result of queueGuard, known once its batch has run.
type guard struct{ clear bool }

// queueGuard adds to b the check that evs are the oldest unsent events of
// their aggregates, but for events the relay published already.
func (t *ticket) queueGuard(b *pgx.Batch, evs []event.Event) *guard {
	g := &guard{}
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

// done records the transaction's outcome and wakes the relay.
func (t *ticket) done(committed bool, g *guard) {
	state := ticketAbort
	switch {
	case committed && g.clear:
		state = ticketPublish
	case committed:
		state = ticketClaim
	}
	r := t.relay
	r.tmu.Lock()
	t.state = state
	r.tmu.Unlock()
	signal(r.handoff)
}
