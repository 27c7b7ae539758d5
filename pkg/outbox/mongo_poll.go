package outbox

import (
	"context"
	"errors"
	"fmt"
)

// poll relays, at the next round, the documents MongoOptions.Pending lists:
// the events that writers of processes without a running relay left.
func (r *MongoRelay) poll(ctx context.Context) error {
	ids, err := r.opts.Pending(ctx, r.opts.BatchSize)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("list documents with pending events", "error", err)
		}
		return fmt.Errorf("list pending documents: %w", err)
	}
	r.hint(ids)
	return nil
}

// Drain relays, once, what the relay was handed or told and has not
// relayed yet. Call it after Run returned, at the end of a term, with a
// context of its own: a relay that steps down cleanly then leaves none of
// its own process's writes to its successor's pass over the collection.
// What it fails to relay stays in the documents for that pass.
func (r *MongoRelay) Drain(ctx context.Context) error {
	return errors.Join(r.relayHanded(ctx), r.relayHinted(ctx))
}
