package outbox

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outage"
)

// The relay's side of the Handoff: the tickets it was given, published in
// the order they were taken, and the events in flight between their
// publish and their mark.

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

// dropClaimed takes the events a claim published off the tickets still
// queued. A transaction can commit between the relay's last look at its
// tickets and a claim, which then publishes its rows in id order; its
// ticket would publish them a second time, for JetStream to drop as
// copies. The writers' slices are left as they are.
func (r *Relay) dropClaimed(evs []event.Event) {
	r.tmu.Lock()
	defer r.tmu.Unlock()
	if len(r.tickets) == 0 {
		return
	}
	claimed := make(map[string]struct{}, len(evs))
	for _, ev := range evs {
		claimed[ev.ID] = struct{}{}
	}
	for _, t := range r.tickets {
		if slices.ContainsFunc(t.evs, func(ev event.Event) bool { _, ok := claimed[ev.ID]; return ok }) {
			t.evs = slices.DeleteFunc(slices.Clone(t.evs), func(ev event.Event) bool { _, ok := claimed[ev.ID]; return ok })
		}
	}
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
		ids = append(ids, pending(marks)...)
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
		r.opts.Metrics.handedOver(len(ids))
	}
}

// pending takes whatever waits in marks without blocking.
func pending(marks <-chan []string) []string {
	var ids []string
	for {
		select {
		case next, ok := <-marks:
			if !ok {
				return ids
			}
			ids = append(ids, next...)
		default:
			return ids
		}
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

// wakeLeader asks notifyLoop to wake the leader relay, which runs in
// another process, after a commit handed to this standby.
//
// Why not NOTIFY inside the writing transaction, as Queue does:
// PostgreSQL serialises the commits of all notifying transactions of the
// server under one lock held through the commit's WAL flush, which caps
// them at one fsync each, with no group commit. The hand-off exists to
// avoid that cost on the hot paths.
func (r *Relay) wakeLeader() { signal(r.notify) }

// notifyLoop sends the NOTIFYs wakeLeader asks for, one at a time;
// requests made while one is in flight share the next.
func (r *Relay) notifyLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.notify:
		}
		_, err := r.pool.Exec(ctx, notifySQL)
		if err == nil || ctx.Err() != nil {
			continue
		}
		// The rows are relayed by the leader's poll anyway: back off
		// rather than retry on every commit while the database is away.
		if !outage.Sleep(ctx, r.db.Failed(fmt.Errorf("notify outbox relay: %w", err))) {
			return
		}
	}
}
