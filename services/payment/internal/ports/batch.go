// Package ports connects the payment use cases to the outside: JetStream
// consumers of saga events and the echo HTTP routes.
package ports

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/pkg/logging"
	"github.com/eventshop/eventshop/pkg/outage"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
)

// record stores one event's decided outcome inside the batch transaction.
// It may return work to do once the transaction has committed.
type record func(ctx context.Context, tx command.Tx) (afterCommit func(context.Context), err error)

// prepare decides one event outside any transaction, calling the provider
// if needed and reading payments through payments, and returns how to
// record the outcome.
type prepare func(ctx context.Context, payments command.Payments, ev event.Event) record

// Storage is what a batch needs of the payments' storage.
type Storage interface {
	// ReadAhead returns a reader that answers for the payments of
	// orderIDs from one query made now; on error, the plain reader.
	ReadAhead(ctx context.Context, orderIDs []string) (command.Payments, error)
	// NewBatch returns the state the inbox transaction of a batch about
	// orderIDs shares.
	NewBatch(orderIDs []string) Batch
}

// Batch is the state one delivered batch shares in its inbox transaction:
// the storage adapter locks and reads the batch's payments with the BEGIN
// and writes them and their events with the COMMIT.
type Batch interface {
	inbox.Prefetcher
	// Tx returns the command.Tx of one event of the batch inside tx; where
	// the batch does not serve tx (the inbox's run with a savepoint per
	// event), it works on its own.
	Tx(tx pgx.Tx) command.Tx
}

// batchRunner runs a batch in two phases: every event's provider call,
// concurrently and with no transaction open, then short inbox transactions
// that record the outcomes with their events. Outcomes are recorded in
// waves as they arrive, not once the whole batch is decided: a card the
// provider is slow to answer (tok_timeout takes its three attempts) holds
// up its own order, not the batch it was delivered with.
type batchRunner struct {
	pool     *pgxpool.Pool
	storage  Storage
	payments command.Payments
	consumer string
	parallel int
	log      *slog.Logger
	// duplicates counts the events the inbox drops (inbox.Duplicates.For).
	duplicates inbox.Option
}

// prepared is one message's decided outcome: its index in the batch and
// how to record it.
type prepared struct {
	i int
	r record
}

func (b batchRunner) run(ctx context.Context, msgs []bus.Message, prep prepare) []error {
	decided := b.prepareAll(ctx, b.readAhead(ctx, orderIDs(msgs)), msgs, prep)
	errs := make([]error, len(msgs))
	for left := len(msgs); left > 0; {
		wave := nextWave(decided)
		b.record(ctx, msgs, wave, errs)
		left -= len(wave)
	}
	return errs
}

// nextWave waits for one decided outcome and takes every other one already
// decided: while a wave commits, the next gathers, as commits group in a
// database.
func nextWave(decided <-chan prepared) []prepared {
	wave := []prepared{<-decided}
	for {
		select {
		case p := <-decided:
			wave = append(wave, p)
		default:
			return wave
		}
	}
}

// record applies one wave's outcomes in one inbox transaction, runs their
// after-commit work and sets their results in errs.
func (b batchRunner) record(ctx context.Context, msgs []bus.Message, wave []prepared, errs []error) {
	sub := make([]bus.Message, len(wave))
	records := make(map[string]record, len(wave))
	for k, p := range wave {
		sub[k] = msgs[p.i]
		records[msgs[p.i].Event.ID] = p.r
	}
	var mu sync.Mutex
	after := make(map[string]func(context.Context), len(sub))
	orders := orderIDs(sub)
	newBatch := func([]bus.Message) Batch { return b.storage.NewBatch(orders) }
	subErrs := inbox.PrefetchHandler(b.pool, b.consumer, newBatch, func(ctx context.Context, tx pgx.Tx, batch Batch, ev event.Event) error {
		f, err := records[ev.ID](eventContext(ctx, ev), batch.Tx(tx))
		mu.Lock()
		after[ev.ID] = f // a repeated run of the same event replaces the earlier one
		mu.Unlock()
		return classify(err)
	}, b.duplicates)(ctx, sub)
	for k, m := range sub {
		var err error
		if subErrs != nil {
			err = subErrs[k]
		}
		errs[wave[k].i] = err
		if f := after[m.Event.ID]; f != nil && err == nil {
			f(eventContext(m.WithSpan(ctx), m.Event))
		}
		if err != nil {
			b.log.Log(eventContext(m.WithSpan(ctx), m.Event), failureLevel(err), "event not applied",
				slog.String("type", m.Event.Type), slog.Uint64("delivered", m.Delivered), slog.Any("error", err))
		}
	}
}

// orderIDs are the orders msgs are about: each event's subject.
func orderIDs(msgs []bus.Message) []string {
	orders := make([]string, len(msgs))
	for i, m := range msgs {
		orders[i] = m.Event.Subject
	}
	return orders
}

// readAhead returns the reader of the payments of orders for the Decide
// calls of prepareAll, read in one query, which they would otherwise make
// one by one. The transactions that follow get a Batch of their own: this
// snapshot is stale once they begin. A batch of one would gain nothing; if
// the query fails, each Decide reads on its own.
func (b batchRunner) readAhead(ctx context.Context, orders []string) command.Payments {
	if len(orders) < 2 {
		return b.payments
	}
	ahead, err := b.storage.ReadAhead(ctx, orders)
	if err != nil {
		b.log.Log(ctx, failureLevel(err), "payments not read ahead; each event reads its own", slog.Any("error", err))
	}
	return ahead
}

// prepareAll runs prep for every message, at most parallel at once, and
// sends each outcome on the channel it returns as soon as it is decided.
// The channel holds every outcome, so no sender waits for the reader.
func (b batchRunner) prepareAll(ctx context.Context, payments command.Payments, msgs []bus.Message, prep prepare) <-chan prepared {
	decided := make(chan prepared, len(msgs))
	limit := make(chan struct{}, max(1, b.parallel))
	go func() {
		for i, m := range msgs {
			limit <- struct{}{}
			go func() {
				defer func() { <-limit }()
				decided <- prepared{i: i, r: prep(eventContext(m.WithSpan(ctx), m.Event), payments, m.Event)}
			}()
		}
	}()
	return decided
}

// failed is the record of an event that could not be prepared.
func failed(err error) record {
	return func(context.Context, command.Tx) (func(context.Context), error) { return nil, err }
}

// classify marks errors that no retry can fix as permanent, so the message
// is dead-lettered at once.
func classify(err error) error {
	if err == nil || bus.IsPermanent(err) {
		return err
	}
	if errors.Is(err, event.ErrInvalid) || errors.Is(err, command.ErrInconsistent) {
		return bus.Permanent(err)
	}
	return err
}

// failureLevel is the level of a failure's log line: debug for an
// unavailable dependency, whose outage the consumer logs once when it starts
// and once when it ends, and warning for anything else.
func failureLevel(err error) slog.Level {
	if outage.Is(err) {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}

// eventContext carries the event's ids into logs; ctx is inside the
// message's span already (bus.Message.WithSpan), which carries its trace.
func eventContext(ctx context.Context, ev event.Event) context.Context {
	return logging.With(ctx, slog.String("event_id", ev.ID), slog.String("order_id", ev.Subject))
}

// invalid wraps a payload problem as a permanent error.
func invalid(ev event.Event, err error) record {
	return failed(bus.Permanent(fmt.Errorf("%s %s: %w", ev.Type, ev.ID, err)))
}
