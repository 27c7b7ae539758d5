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
	"github.com/eventshop/eventshop/pkg/outbox"
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
// The common case is pipelined: BEGIN, the inbox record and the reads of
// the Prefetcher that ctx carries (WithBatch) travel in one round trip, fn runs without savepoints,
// and the writes fn deferred travel with the COMMIT. When a message fails
// and the batch has more than one new event, or the pipelined run fails in
// any other way, the batch is rolled back and run again with a savepoint
// around each message and no prefetch: one failure costs the batch a
// second run rather than every batch extra round trips. Options:
// CountDuplicates.
func Handler(pool *pgxpool.Pool, consumer string, fn Func, opts ...Option) bus.BatchHandler {
	o := newHandlerOptions(opts)
	return func(ctx context.Context, msgs []bus.Message) []error {
		b := newBatch(consumer, msgs)
		if len(b.ids) == 0 {
			return b.results()
		}
		p, _ := BatchOf[Prefetcher](ctx)
		errs, err := b.pipelined(ctx, pool, fn, p)
		if errors.Is(err, errRetryWithSavepoints) {
			errs, err = b.withSavepoints(ctx, pool, fn)
		}
		if err == nil {
			// The effects may have added outbox rows that were not handed
			// to the relay; those that were are not claimed again.
			outbox.Committed()
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
// and p's reads, then p's deferred writes with the COMMIT. A failure of
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
	if err := commitHanding(ctx, pool, tx, p); err != nil {
		return errs, errRetryWithSavepoints
	}
	return errs, nil
}

// commitHanding commits with p's deferred writes and hands the events p
// emitted to this process's outbox relay (outbox.Reserve), with the guard
// that keeps each aggregate's events in order.
func commitHanding(ctx context.Context, pool *pgxpool.Pool, tx pgx.Tx, p Prefetcher) error {
	if p == nil {
		return commitWith(ctx, tx, nil)
	}
	writes, evs := finalWrites(p), p.inboxBatch().events
	if len(evs) == 0 {
		return commitWith(ctx, tx, writes)
	}
	t := outbox.Reserve(pool)
	guard := t.QueueGuard(writes, evs)
	err := commitWith(ctx, tx, writes)
	t.Done(err == nil, guard, evs)
	return err
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
		if errs[i] = fn(ctx, tx, m.Event); errs[i] != nil {
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
