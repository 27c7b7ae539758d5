package leader

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/eventshop/eventshop/pkg/outage"
)

// DefaultProbeEvery is how often a standby given a Liveness asks whether
// the lease's holder is gone.
const DefaultProbeEvery = 250 * time.Millisecond

// goneAfter is how many answers in a row must find the holder gone before
// a standby takes its lease: one could be a holder's connection moving to
// another NATS node, or a subscription not yet known to every node.
const goneAfter = 2

// answer makes the Liveness answer for this replica, waiting through an
// outage as long as it must (NATS may be down), and returns ctx's error if
// ctx ended first. Without a Liveness there is nothing to answer.
func (e *Mongo) answer(ctx context.Context) (stop func(), err error) {
	if e.liveness == nil {
		return func() {}, nil
	}
	err = outage.Await(ctx, e.log, "leader liveness", outage.Backoff{First: e.probeEvery, Max: e.lease},
		func(ctx context.Context) error {
			var err error
			stop, err = e.liveness.Answer(ctx, e.name, e.holder)
			return err
		})
	return stop, err
}

// standBy waits a third of the lease before the next attempt to take it.
// Given a Liveness, it asks meanwhile whether the lease's holder is gone,
// and takes the lease over from it if so; it reports whether it did.
func (e *Mongo) standBy(ctx context.Context) (bool, error) {
	if e.liveness == nil {
		outage.Sleep(ctx, e.lease/3)
		return false, nil
	}
	l, err := readLease(ctx, e.coll, e.name)
	if err != nil || !l.Expires.After(time.Now()) || l.Holder == e.holder {
		outage.Sleep(ctx, e.probeEvery) // the lease just changed hands: look again soon
		if errors.Is(err, mongo.ErrNoDocuments) {
			err = nil
		}
		return false, err
	}
	until := time.Now().Add(e.lease / 3)
	for found := 0; time.Now().Before(until); {
		gone, err := e.liveness.Gone(ctx, e.name, l.Holder)
		if err != nil && ctx.Err() == nil {
			e.log.DebugContext(ctx, "probe lease holder", slog.String("holder", l.Holder), slog.Any("error", err))
		}
		if found = inARow(found, gone); found >= goneAfter {
			return e.takeOverGone(ctx, l)
		}
		if !outage.Sleep(ctx, e.probeEvery) {
			return false, nil
		}
	}
	return false, nil
}

// inARow counts the answers in a row that found the holder gone.
func inARow(found int, gone bool) int {
	if gone {
		return found + 1
	}
	return 0
}

// LeaseHolder returns the holder of election name's unexpired lease in
// coll, "" when the lease is free or expired. A tool measuring a takeover
// reads it to know who leads.
func LeaseHolder(ctx context.Context, coll *mongo.Collection, name string) (string, error) {
	l, err := readLease(ctx, coll, name)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return "", nil
	case err != nil:
		return "", err
	case l.Expires.Before(time.Now()):
		return "", nil
	}
	return l.Holder, nil
}

// takeOverGone takes the lease of l's holder, found gone, if it still
// holds that term.
func (e *Mongo) takeOverGone(ctx context.Context, l lease) (bool, error) {
	ok, err := e.takeOver(ctx, l)
	if ok {
		e.log.InfoContext(ctx, "took the lease of a gone holder over", slog.String("holder", l.Holder))
	}
	return ok, err
}
