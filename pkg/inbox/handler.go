package inbox

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/outbox"
)

// errRetryWithSavepoints aborts the fast path when one message failed.
var errRetryWithSavepoints = errors.New("a message failed; retry with savepoints")

// Handler returns a bus.BatchHandler that applies a batch in one
// transaction: it records every event id for consumer in one statement,
// which tells the new events from redeliveries, runs fn for each new one and
// commits. Redeliveries get nil (acked, no effect). An error from fn is that
// message's error (wrap it with bus.Permanent to dead-letter at once) and
// neither its effect nor its inbox row is kept; the other messages commit.
// If the commit fails, every message gets the error and is redelivered.
//
// The common case runs fn without savepoints. When a message fails and the
// batch has more than one new event, the batch is rolled back and run again
// with a savepoint around each message, so one failure costs the batch a
// second run rather than every batch two extra round trips per message.
func Handler(pool *pgxpool.Pool, consumer string, fn Func, opts ...Option) bus.BatchHandler {
	var o handlerOptions
	for _, opt := range opts {
		opt(&o)
	}
	return func(ctx context.Context, msgs []bus.Message) []error {
		b := newBatch(consumer, msgs)
		b.flush = o.flush
		if len(b.ids) == 0 {
			return b.results()
		}
		errs, err := b.run(ctx, pool, fn, false)
		if errors.Is(err, errRetryWithSavepoints) {
			errs, err = b.run(ctx, pool, fn, true)
		}
		if err == nil {
			outbox.Committed() // the effects may have added outbox rows
		}
		if err != nil {
			errs = b.results()
			for i := range errs {
				if errs[i] == nil {
					errs[i] = err
				}
			}
		}
		return errs
	}
}

// batch is one delivery of messages.
type batch struct {
	consumer string
	flush    func(ctx context.Context, tx pgx.Tx) error
	msgs     []bus.Message
	ids      []string // the valid event ids, to record
	invalid  []error  // per message, why its id cannot be recorded
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

// errAlone rolls back a run whose only new message failed: its error is
// that message's result and there is nothing else to commit.
var errAlone = errors.New("the only new message failed")

// run applies the batch in one transaction and returns the per-message
// results, or the error that failed the whole transaction. Without
// savepoints a failing message aborts the run with errRetryWithSavepoints.
func (b *batch) run(ctx context.Context, pool *pgxpool.Pool, fn Func, savepoints bool) ([]error, error) {
	errs := b.results()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		fresh, err := record(ctx, tx, b.consumer, b.ids)
		if err != nil {
			return err
		}
		alone := len(fresh) == 1
		for i, m := range b.msgs {
			if errs[i] != nil || !fresh[m.Event.ID] {
				continue // invalid id, or already applied (perhaps earlier in this batch)
			}
			delete(fresh, m.Event.ID)
			if savepoints {
				if errs[i], err = b.applyInSavepoint(ctx, tx, m, fn); err != nil {
					return err
				}
				continue
			}
			if errs[i] = fn(ctx, tx, m.Event); errs[i] != nil {
				if alone {
					return errAlone
				}
				return errRetryWithSavepoints
			}
		}
		return b.flushWrites(ctx, tx, savepoints, alone)
	})
	if errors.Is(err, errAlone) {
		return errs, nil
	}
	return errs, err
}

// applyInSavepoint runs fn for m inside a savepoint. A failure of fn rolls
// back to the savepoint and deletes m's inbox row, so a redelivery applies
// it; that failure is returned as m's result. A failure of the savepoint
// itself fails the transaction.
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

// flushWrites runs the Flush option before the commit. Its failure cannot
// be told apart per message, so a batch of several new events runs again
// with a savepoint per message; otherwise it fails the transaction.
func (b *batch) flushWrites(ctx context.Context, tx pgx.Tx, savepoints, alone bool) error {
	if b.flush == nil {
		return nil
	}
	err := b.flush(ctx, tx)
	switch {
	case err == nil:
		return nil
	case !savepoints && !alone:
		return errRetryWithSavepoints
	}
	return fmt.Errorf("flush: %w", err)
}

// Option tunes a Handler.
type Option func(*handlerOptions)

type handlerOptions struct {
	flush func(ctx context.Context, tx pgx.Tx) error
}

// Flush has the handler call flush after the batch's last message and
// before the commit, with the handler's context, for a Func that defers its
// writes to send them for the whole batch at once. If flush fails, a batch
// of several new events runs again with a savepoint per message, in which
// the Func must write at once (it can tell: tx is then not the one it saw
// first).
func Flush(flush func(ctx context.Context, tx pgx.Tx) error) Option {
	return func(o *handlerOptions) { o.flush = flush }
}
