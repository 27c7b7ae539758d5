package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outage"
)

// Publisher publishes events and waits until JetStream stored every one of
// them; *bus.Bus is one.
type Publisher interface {
	Publish(ctx context.Context, evs ...event.Event) error
}

// ErrCrash may be returned by Options.AfterPublish to simulate a relay that
// dies after publishing and before marking the rows sent.
var ErrCrash = errors.New("simulated relay crash")

// Options tune a Relay. Every zero value means the documented default.
type Options struct {
	// BatchSize is how many rows one claim takes. Default 2000: a backlog
	// drains in few round trips, and a quiet relay claims only what is there.
	BatchSize int
	// PollInterval is how often the relay looks for rows without being
	// notified, which covers a lost LISTEN connection. Default 1s.
	PollInterval time.Duration
	// Retention is how long sent rows are kept before Prune deletes them.
	// Default 24h.
	Retention time.Duration
	// PruneInterval is how often the leader prunes. Default 1m.
	PruneInterval time.Duration
	// LockID is the advisory lock that elects the one relay of a database
	// that publishes. Default a constant; set it only to run independent
	// relays on one database.
	LockID int64
	// Handoff, when set, is the hand-off the writers of this process use
	// (see Handoff): the relay takes their tickets while it runs. Default
	// none: the relay learns of new rows from NOTIFY and its poll alone.
	Handoff *Handoff
	// AfterPublish, when set, runs after a batch was acked and before it is
	// marked sent. An error makes the relay act as if it crashed there: it
	// rolls the batch back, so the rows are published again. For tests.
	AfterPublish func() error
	// Metrics, when set, counts what the relay publishes (NewMetrics).
	Metrics *Metrics
}

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = 2000
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Retention <= 0 {
		o.Retention = 24 * time.Hour
	}
	if o.PruneInterval <= 0 {
		o.PruneInterval = time.Minute
	}
	if o.LockID == 0 {
		o.LockID = 0x6f7574626f787265 // "outboxre"
	}
	return o
}

// The relay's pace while its database or JetStream is unavailable: no more
// than one attempt every few seconds, and the first soon enough that a
// brief failure costs little.
const (
	relayBackoffFirst = 100 * time.Millisecond
	relayBackoffMax   = 5 * time.Second
	// publishBackoffMax caps the pause while JetStream does not take the
	// events: a stream whose leader was lost takes them again as soon as
	// its replicas elected another (4 to 9 s on nats-server), and a longer
	// pause would only add to that.
	publishBackoffMax = time.Second
)

// Relay publishes the outbox table of one database to JetStream.
//
// Claiming: a batch is the oldest rows with sent_at IS NULL, in id order,
// locked FOR UPDATE SKIP LOCKED in a transaction that stays open while the
// batch is published and is committed after the rows are marked sent. The
// relay never keeps a high-water mark of ids: ids are taken when a row is
// inserted but become visible when its transaction commits, so a
// transaction holding id 7 may commit after one holding id 8 was relayed.
// Selecting by sent_at IS NULL (a partial index on id) finds row 7 on the
// next claim instead of skipping it forever.
//
// Order: one aggregate's events must reach the stream in the order they
// were committed. Relays on the same database elect a leader with a
// session-level advisory lock held on their LISTEN connection; only the
// leader claims, so two replicas never publish one aggregate's rows side by
// side. Within the leader, batch n+1 is claimed (skipping batch n's locked
// rows) and published only after batch n was acked, while batch n is being
// marked sent; so the stream receives rows in id order. When the leader's
// connection drops, PostgreSQL releases the lock and a standby takes over
// within PollInterval; SKIP LOCKED keeps even a brief overlap from
// publishing a row twice.
type Relay struct {
	pool   *pgxpool.Pool
	pub    Publisher
	log    *slog.Logger
	opts   Options
	leader atomic.Bool

	wake    chan struct{} // asks Run to drain the outbox
	handoff chan struct{} // tells Run that a ticket's outcome is known
	notify  chan struct{} // asks notifyLoop to NOTIFY the leader

	// db and bus follow the outages of the database and of JetStream, so
	// that each is logged when it starts and ends and the relay backs off
	// meanwhile instead of retrying on every wake-up.
	db  *outage.Watch
	bus *outage.Watch

	tmu      sync.Mutex
	tickets  []*ticket           // in the order they were taken (see Handoff)
	inflight map[string]struct{} // handed events published, not yet marked sent
}

// NewRelay returns a relay of pool's outbox to pub (a *bus.Bus).
func NewRelay(pool *pgxpool.Pool, pub Publisher, log *slog.Logger, opts Options) *Relay {
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "outbox_relay")
	return &Relay{pool: pool, pub: pub, log: log, opts: opts.withDefaults(),
		wake: make(chan struct{}, 1), handoff: make(chan struct{}, 1), notify: make(chan struct{}, 1),
		db:       outage.NewWatch(log, "outbox database", outage.Backoff{First: relayBackoffFirst, Max: relayBackoffMax}),
		bus:      outage.NewWatch(log, "outbox publishing", outage.Backoff{First: relayBackoffFirst, Max: publishBackoffMax}),
		inflight: map[string]struct{}{}}
}

// Leader reports whether this relay holds the leader lock right now.
func (r *Relay) Leader() bool { return r.leader.Load() }

// Run relays until ctx is done. It drains the outbox, while batches come
// back full, on every NOTIFY and every PollInterval, and publishes the
// events handed over through Options.Handoff as their outcomes arrive; now
// and then it prunes old sent rows. On return every batch that JetStream
// acked has been marked sent.
func (r *Relay) Run(ctx context.Context) error {
	wake := r.wake
	marks := make(chan *claim, 1)
	handedMarks := make(chan []string, 64)
	var wg sync.WaitGroup
	wg.Go(func() { r.listen(ctx, wake) })
	wg.Go(func() { r.markLoop(ctx, marks) })
	wg.Go(func() { r.markHandedLoop(ctx, handedMarks) })
	wg.Go(func() { r.notifyLoop(ctx) })
	defer wg.Wait()
	defer r.opts.Handoff.attach(r)()
	defer close(marks)
	defer close(handedMarks)
	lastPrune := time.Now()
	for {
		drain := false
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
			drain = true
		case <-r.handoff:
		}
		if !r.leader.Load() {
			r.dropTickets()
			continue
		}
		r.relayHanded(ctx, marks, handedMarks)
		if drain {
			if delay, failed := r.drain(ctx, marks); failed && !outage.Sleep(ctx, delay) {
				return nil
			}
		}
		if time.Since(lastPrune) >= r.opts.PruneInterval {
			lastPrune = time.Now()
			if _, err := r.Prune(ctx); err != nil && ctx.Err() == nil {
				r.log.Warn("prune outbox", "error", err)
			}
		}
	}
}

// relayHanded publishes the events of the tickets whose outcome is known,
// in ticket order, claiming where a ticket asks for it, until it reaches a
// ticket still pending.
func (r *Relay) relayHanded(ctx context.Context, marks chan<- *claim, handedMarks chan<- []string) {
	for ctx.Err() == nil {
		h := r.takeTickets(time.Now())
		if r.publishHanded(ctx, h, handedMarks) {
			r.drain(ctx, marks)
		}
		if len(h.evs) == 0 && !h.claim {
			return
		}
	}
}

// drain claims and publishes batches until one comes back short. While a
// full batch waits for its acks, the next one is claimed (SKIP LOCKED passes
// over the rows in flight); it is published only once the previous batch
// was acked, so a failure cannot put a later row into the stream ahead of
// an earlier one. A failed claim or publish rolls the batches back and
// reports how long to back off before the next attempt; the outage it
// belongs to is logged when it starts and when it ends.
func (r *Relay) drain(ctx context.Context, marks chan<- *claim) (backoff time.Duration, failed bool) {
	c, err := r.claim(ctx)
	for c != nil {
		if len(c.ids) == 0 {
			c.rollback()
			return 0, false
		}
		acked := make(chan error, 1)
		go func() { acked <- r.publish(ctx, c) }()
		var next *claim
		if len(c.ids) == r.opts.BatchSize {
			next, err = r.claim(ctx)
		}
		if perr := <-acked; perr != nil {
			c.rollback()
			if next != nil {
				next.rollback()
			}
			if ctx.Err() != nil {
				return 0, false
			}
			return r.bus.Failed(fmt.Errorf("publish outbox batch of %d rows: %w", len(c.ids), perr)), true
		}
		r.bus.Succeeded()
		r.dropClaimed(c.events)
		marks <- c
		c = next
	}
	if err == nil || ctx.Err() != nil {
		return 0, false
	}
	return r.db.Failed(fmt.Errorf("claim outbox batch: %w", err)), true
}

// publish sends the claimed events and runs the AfterPublish hook.
func (r *Relay) publish(ctx context.Context, c *claim) error {
	if err := r.pub.Publish(ctx, c.events...); err != nil {
		return err
	}
	if r.opts.AfterPublish != nil {
		if err := r.opts.AfterPublish(); err != nil {
			return err
		}
	}
	return nil
}
