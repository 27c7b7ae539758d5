// Package inbox makes event handlers idempotent: the id of every event a
// consumer applied is recorded in the same transaction (PostgreSQL) or the
// same document update (MongoDB) as the effect, so a redelivery has none.
package inbox

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
)

// Func applies one event's effect inside tx. It must do its work through tx
// and may run more than once for one event (a failed commit, or another
// message of the batch failing, repeats it); only one run ever commits.
type Func func(ctx context.Context, tx pgx.Tx, ev event.Event) error

// recordSQL inserts the inbox rows of a batch and returns those that are new.
const recordSQL = `INSERT INTO inbox (consumer, event_id)
SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id::text`

// forgetSQL removes the inbox row of an event whose effect was rolled back.
const forgetSQL = `DELETE FROM inbox WHERE consumer = $1 AND event_id = $2`

// Handle applies ev once for consumer: in one transaction it records the
// event and runs fn, or does nothing when consumer already applied ev. It
// is Handler for a single event.
func Handle(ctx context.Context, pool *pgxpool.Pool, consumer string, ev event.Event, fn Func) error {
	return Handler(pool, consumer, fn)(ctx, []bus.Message{{Event: ev, Delivered: 1}})[0]
}

// record inserts (consumer, id) rows and returns the set of ids not seen before.
func record(ctx context.Context, tx pgx.Tx, consumer string, ids []string) (map[string]bool, error) {
	rows, _ := tx.Query(ctx, recordSQL, consumer, ids)
	return collectFresh(rows)
}

// collectFresh reads the ids recordSQL returns into a set.
func collectFresh(rows pgx.Rows) (map[string]bool, error) {
	fresh, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("record inbox: %w", err)
	}
	set := make(map[string]bool, len(fresh))
	for _, id := range fresh {
		set[id] = true
	}
	return set, nil
}
