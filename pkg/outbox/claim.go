package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/event"
)

// claimSQL takes the oldest unsent rows that no other transaction holds,
// passing over the handed events in flight ($2).
// The claim runs with bitmap and sequential scans off (planSQL), so that it
// always walks the partial index in id order and stops after $1 rows: with
// stale statistics PostgreSQL otherwise fetches and sorts the whole backlog
// for every batch, which turns draining a backlog quadratic.
const claimSQL = `SELECT id, event_id::text, aggregate_id, type, source, event_time,
  data_schema, trace_parent, payload, created_at
FROM outbox WHERE sent_at IS NULL AND event_id <> ALL($2::uuid[])
ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`

// planSQL scopes the planner settings of claimSQL to the claim's
// transaction, and lets its commit return before its WAL is flushed. That
// commit only marks published rows sent: should a crash lose it, the rows
// are published again and JetStream drops them as duplicates by
// Nats-Msg-Id (consumers' inboxes catch any beyond the stream's duplicate
// window). The writers' own commits stay synchronous.
const planSQL = `SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true),
  set_config('synchronous_commit', 'off', true)`

// markSQL marks a whole batch sent in one round trip.
const markSQL = `UPDATE outbox SET sent_at = now() WHERE id = ANY($1)`

// shutdownGrace bounds how long marking acked batches may take once Run's
// context is done.
const shutdownGrace = 5 * time.Second

// claim is a batch of rows locked by a transaction open on conn. The
// transaction is driven by hand rather than through pgx.Tx, so that BEGIN
// travels with the claim and COMMIT with the update: one round trip each.
type claim struct {
	conn   *pgxpool.Conn
	ids    []int64
	events []event.Event
	oldest time.Time
}

func (r *Relay) claim(ctx context.Context) (*claim, error) {
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire connection: %w", err)
	}
	c := &claim{conn: conn}
	if err := c.read(ctx, r.opts.BatchSize, r.inflightIDs()); err != nil {
		c.rollback()
		return nil, err
	}
	r.db.Succeeded()
	return c, nil
}

// read locks and reads up to n rows, but for the events inflight, in one
// round trip.
func (c *claim) read(ctx context.Context, n int, inflight []string) error {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(planSQL)
	b.Queue(claimSQL, n, inflight)
	br := c.conn.SendBatch(ctx, b)
	defer br.Close()
	for _, step := range []string{"begin", "claim settings"} {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
	}
	rows, _ := br.Query()
	defer rows.Close()
	for rows.Next() {
		var id int64
		var ev event.Event
		var created time.Time
		if err := rows.Scan(&id, &ev.ID, &ev.Subject, &ev.Type, &ev.Source, &ev.Time,
			&ev.DataSchema, &ev.TraceParent, &ev.Data, &created); err != nil {
			return fmt.Errorf("scan outbox row: %w", err)
		}
		if len(c.ids) == 0 {
			c.oldest = created
		}
		c.ids = append(c.ids, id)
		c.events = append(c.events, ev)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("select outbox rows: %w", err)
	}
	return nil
}

// rollback ends the transaction, leaving the rows unsent. A connection that
// could not roll back is not idle, so Release closes it instead of pooling it.
func (c *claim) rollback() {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	_, _ = c.conn.Exec(ctx, "ROLLBACK")
	c.conn.Release()
}

// markLoop marks acked batches sent and commits them, in the order they
// were published, while the next batch is being claimed and published.
// It keeps going after ctx is done so that acked batches are not relayed
// again needlessly.
func (r *Relay) markLoop(ctx context.Context, marks <-chan *claim) {
	for c := range marks {
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		err := c.commit(mctx)
		cancel()
		if err != nil {
			r.log.Warn("mark outbox batch sent", "rows", len(c.ids), "error", err)
			continue
		}
		r.opts.Metrics.claimed(len(c.ids), time.Since(c.oldest).Seconds())
	}
}

// commit marks the batch sent and commits, in one round trip. If the update
// fails, PostgreSQL skips the COMMIT and the error is the update's.
func (c *claim) commit(ctx context.Context) error {
	b := &pgx.Batch{}
	b.Queue(markSQL, c.ids)
	b.Queue("COMMIT")
	if err := c.conn.SendBatch(ctx, b).Close(); err != nil {
		c.rollback()
		return fmt.Errorf("mark sent: %w", err)
	}
	c.conn.Release()
	return nil
}

// pruneChunk bounds the rows one prune statement deletes, so that pruning a
// day of rows never holds one long transaction.
const pruneChunk = 10000

// pruneSQL deletes one chunk of rows sent before $1.
const pruneSQL = `DELETE FROM outbox WHERE id IN (
  SELECT id FROM outbox WHERE created_at < $1 AND sent_at < $1 LIMIT $2)`

// Prune deletes rows sent longer than Options.Retention ago, in chunks, and
// returns how many it deleted. The leader relay calls it every PruneInterval.
func (r *Relay) Prune(ctx context.Context) (int64, error) {
	cutoff := time.Now().Add(-r.opts.Retention)
	var total int64
	for {
		tag, err := r.pool.Exec(ctx, pruneSQL, cutoff, pruneChunk)
		if err != nil {
			return total, fmt.Errorf("prune outbox: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < pruneChunk {
			return total, nil
		}
	}
}
