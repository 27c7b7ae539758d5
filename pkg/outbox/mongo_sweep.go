package outbox

import (
	"context"
	"time"

	"github.com/eventshop/eventshop/pkg/outage"
)

// sweeps makes the whole passes over the collection that are asked for
// (askSweep), until ctx is done. It runs beside the relay of handed and
// told documents, so that a pass, which on FerretDB reads the whole
// collection for each batch, does not hold up the events written
// meanwhile: a takeover's pass over a large collection would otherwise
// delay every event until it is over. A document both passes read has its
// events published twice, in array order, and the stream drops the copies
// by Nats-Msg-Id. A failed pass is tried again after retryPause.
func (r *MongoRelay) sweeps(ctx context.Context) {
	var pause time.Duration
	for {
		if r.takeSweep() {
			if err := r.sweepAll(ctx); err != nil {
				pause = retryPause(pause, true, r.opts.RetryMax)
				if !outage.Sleep(ctx, pause) {
					return
				}
				r.askSweep()
				continue
			}
			pause = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-r.sweepWake:
		}
	}
}

// sweepScan is how many documents one read of a whole pass lists.
const sweepScan = 10_000

// sweepAll relays every document with pending events. It lists their _ids
// with one read of the collection, then relays them batch by batch by _id:
// on FerretDB every read but one by _id costs the whole collection, so a
// read per batch made a pass after a restart with a backlog cost the
// collection once per 100 documents.
func (r *MongoRelay) sweepAll(ctx context.Context) error {
	for ctx.Err() == nil {
		ids, err := r.pendingIDs(ctx, sweepScan)
		if err == nil {
			_, err = r.relayInBatches(ctx, ids) // a round relays those it holds
		}
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("relay mongo outbox", "error", err)
			}
			return err
		}
		if len(ids) < sweepScan {
			return nil
		}
	}
	return nil
}

// relayInBatches relays the documents with these _ids, BatchSize at a time.
func (r *MongoRelay) relayInBatches(ctx context.Context, ids []any) (held []any, err error) {
	for len(ids) > 0 && ctx.Err() == nil {
		n := min(len(ids), r.opts.BatchSize)
		h, err := r.relayIDs(ctx, ids[:n])
		held = append(held, h...)
		if err != nil {
			return held, err
		}
		ids = ids[n:]
	}
	return held, nil
}

func (r *MongoRelay) takeSweep() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sweep
	r.sweep = false
	return s
}
