package inbox

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
)

// errRetryWithSavepoints aborts the pipelined run when a message failed,
// or when the run itself did.
var errRetryWithSavepoints = errors.New("retry with savepoints")

// Handler returns a bus.BatchHandler that applies a batch in one
// transaction: it records every event id for consumer in one statement,
// which tells the new events from redeliveries, runs fn for each new one and
// commits. Redeliveries get nil (acked, no effect). An error from fn is that
// message's error (wrap it with bus.Permanent to dead-letter at once) and
// neither its effect nor its inbox row is kept; the other messages commit.
// If the commit fails, every message gets the error and is redelivered.
//
// The common case is pipelined: BEGIN and the inbox record travel in one
// round trip, fn runs without savepoints, and COMMIT is one more. When a
// message fails and the batch has more than one new event, or the
// pipelined run fails in any other way, the batch is rolled back and run
// again with a savepoint around each message: one failure costs the batch
// a second run rather than every batch extra round trips. Options:
// CountDuplicates.
func Handler(pool *pgxpool.Pool, consumer string, fn Func, opts ...Option) bus.BatchHandler {
	o := newHandlerOptions(opts)
	return func(ctx context.Context, msgs []bus.Message) []error {
		return handle(ctx, pool, consumer, msgs, nil, fn, o)
	}
}

// PrefetchHandler is Handler for events that share state in their
// transaction: prefetch builds the batch's Prefetcher from the messages,
// whose reads travel with the BEGIN and whose deferred writes travel with
// the COMMIT (and, for a Flusher, its coalesced writes), and fn gets it as
// a parameter with every event. In the run with savepoints p no longer
// Serves the transaction fn is given, and fn works without it.
func PrefetchHandler[P Prefetcher](pool *pgxpool.Pool, consumer string, prefetch func([]bus.Message) P,
	fn func(ctx context.Context, tx pgx.Tx, p P, ev event.Event) error, opts ...Option) bus.BatchHandler {
	o := newHandlerOptions(opts)
	return func(ctx context.Context, msgs []bus.Message) []error {
		p := prefetch(msgs)
		return handle(ctx, pool, consumer, msgs, p, func(ctx context.Context, tx pgx.Tx, ev event.Event) error {
			return fn(ctx, tx, p, ev)
		}, o)
	}
}

// handle applies msgs, prefetching p's reads when p is not nil.
func handle(ctx context.Context, pool *pgxpool.Pool, consumer string, msgs []bus.Message, p Prefetcher, fn Func, o handlerOptions) []error {
	b := newBatch(consumer, msgs)
	if len(b.ids) == 0 {
		return b.results()
	}
	errs, err := b.pipelined(ctx, pool, fn, p)
	if errors.Is(err, errRetryWithSavepoints) {
		errs, err = b.withSavepoints(ctx, pool, fn)
	}
	if err == nil {
		o.reportDuplicates(b.duplicates)
		return errs
	}
	errs = b.results()
	for i := range errs {
		if errs[i] == nil {
			errs[i] = err
		}
	}
	return errs
}

// batch is one delivery of messages.
type batch struct {
	consumer string
	msgs     []bus.Message
	ids      []string // the valid event ids, to record
	// duplicates is how many of ids the last record found already applied.
	duplicates int
	invalid    []error // per message, why its id cannot be recorded
}

func newBatch(consumer string, msgs []bus.Message) *batch {
	b := &batch{consumer: consumer, msgs: msgs, invalid: make([]error, len(msgs))}
	for i, m := range msgs {
		if _, err := uuid.Parse(m.Event.ID); err != nil {
			b.invalid[i] = bus.Permanent(fmt.Errorf("inbox: event id %q: %w", m.Event.ID, err))
			continue
		}
		b.ids = append(b.ids, m.Event.ID)
	}
	// Concurrent batches that share event ids (a redelivery racing the first
	// delivery) take the inbox rows' locks in one order, so they wait for
	// each other instead of deadlocking.
	slices.Sort(b.ids)
	return b
}

// results is a fresh result slice holding the invalid-id errors.
func (b *batch) results() []error { return append([]error(nil), b.invalid...) }

// pipelined runs the batch in two round trips: BEGIN with the inbox record
// and p's reads (p may be nil), then p's deferred writes with the COMMIT. A failure of
// the only new message is that message's result; any other failure asks
// for the run with savepoints.
func (b *batch) pipelined(ctx context.Context, pool *pgxpool.Pool, fn Func, p Prefetcher) ([]error, error) {
	errs := b.results()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return errs, fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release() // a connection left inside a transaction is closed, not pooled
	q := &pgx.Batch{}
	q.BeginTx(pgx.TxOptions{})
	var fresh map[string]bool
	q.Queue(recordSQL, b.consumer, b.ids).Query(func(rows pgx.Rows) (err error) {
		fresh, err = collectFresh(rows)
		return err
	})
	if p != nil {
		p.QueueReads(q)
	}
	br := conn.SendBatch(ctx, q)
	tx := br.Tx()
	if err := br.Close(); err != nil {
		_ = tx.Rollback(ctx)
		return errs, errRetryWithSavepoints
	}
	if p != nil {
		p.inboxBatch().tx = tx
	}
	b.duplicates = len(b.ids) - len(fresh)
	msgErr, alone := b.applyAll(ctx, tx, fresh, errs, fn)
	switch {
	case msgErr && alone:
		_ = tx.Rollback(ctx)
		return errs, nil
	case msgErr:
		_ = tx.Rollback(ctx)
		return errs, errRetryWithSavepoints
	}
	if err := commitBatch(ctx, tx, p); err != nil {
		return errs, errRetryWithSavepoints
	}
	return errs, nil
}

// applyAll runs fn for every new message in order, until one fails; it
// reports whether one did and whether it was the only new one.
func (b *batch) applyAll(ctx context.Context, tx pgx.Tx, fresh map[string]bool, errs []error, fn Func) (failed, alone bool) {
	alone = len(fresh) == 1
	for i, m := range b.msgs {
		if errs[i] != nil || !fresh[m.Event.ID] {
			continue // invalid id, or already applied (perhaps earlier in this batch)
		}
		delete(fresh, m.Event.ID)
		if errs[i] = fn(m.WithSpan(ctx), tx, m.Event); errs[i] != nil {
			return true, alone
		}
	}
	return false, alone
}

// commitWith sends writes (nil for none) and COMMIT in one round trip. If a
// write fails, PostgreSQL skips the rest up to the COMMIT and the
// transaction is rolled back. A transaction that was already aborted
// answers COMMIT with ROLLBACK, which is pgx.ErrTxCommitRollback. The
// transaction is closed either way, without pgx.Tx's own Commit, which
// would cost a round trip more.
func commitWith(ctx context.Context, tx pgx.Tx, writes *pgx.Batch) error {
	q := &pgx.Batch{}
	if writes != nil {
		q.QueuedQueries = append(q.QueuedQueries, writes.QueuedQueries...)
	}
	q.Queue("COMMIT").Exec(func(tag pgconn.CommandTag) error {
		if tag.String() != "COMMIT" {
			return pgx.ErrTxCommitRollback
		}
		return nil
	})
	if err := tx.SendBatch(ctx, q).Close(); err != nil {
		_ = tx.Rollback(ctx)
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// withSavepoints runs the batch in a pgx transaction with a savepoint around
// each message, so a failing message is undone alone and the others commit.
func (b *batch) withSavepoints(ctx context.Context, pool *pgxpool.Pool, fn Func) ([]error, error) {
	errs := b.results()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		fresh, err := record(ctx, tx, b.consumer, b.ids)
		if err != nil {
			return err
		}
		b.duplicates = len(b.ids) - len(fresh)
		for i, m := range b.msgs {
			if errs[i] != nil || !fresh[m.Event.ID] {
				continue
			}
			delete(fresh, m.Event.ID)
			if errs[i], err = b.applyInSavepoint(ctx, tx, m, fn); err != nil {
				return err
			}
		}
		return nil
	})
	return errs, err
}

// applyInSavepoint runs fn for m inside a savepoint. A failing fn is rolled
// back to the savepoint and m's inbox row deleted, so a redelivery applies
// it again; the transaction goes on. txErr is an error of the transaction
// itself, which fails the whole batch.
func (b *batch) applyInSavepoint(ctx context.Context, tx pgx.Tx, m bus.Message, fn Func) (msgErr, txErr error) {
	ctx = m.WithSpan(ctx)
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	if msgErr = fn(ctx, sp, m.Event); msgErr == nil {
		if err := sp.Commit(ctx); err != nil {
			return nil, fmt.Errorf("release savepoint: %w", err)
		}
		return nil, nil
	}
	if err := sp.Rollback(ctx); err != nil {
		return msgErr, fmt.Errorf("rollback to savepoint: %w", err)
	}
	if _, err := tx.Exec(ctx, forgetSQL, b.consumer, m.Event.ID); err != nil {
		return msgErr, fmt.Errorf("forget inbox row: %w", err)
	}
	return msgErr, nil
}
