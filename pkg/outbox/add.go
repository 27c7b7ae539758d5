package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/event"
)

// Channel is the LISTEN/NOTIFY channel Relay listens on; standby relays
// notify it to wake the leader (see Committed).
const Channel = "outbox"

// insertSQL writes any number of events in one statement from parallel
// arrays, so a command that emits several events costs one round trip.
const insertSQL = `INSERT INTO outbox
  (event_id, aggregate_id, type, source, subject, event_time, data_schema, trace_parent, payload)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
  $6::timestamptz[], $7::text[], $8::text[], $9::bytea[])`

// Add writes evs to the outbox inside the caller's transaction, in one
// round trip. The events are published in the order given. Call Committed
// after tx commits, so that the relay publishes them at once. Events should
// come from event.New, which validated them; an event id that is not a UUID
// fails the insert.
func Add(ctx context.Context, tx pgx.Tx, evs ...event.Event) error {
	if len(evs) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	Queue(b, evs...)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("add to outbox: %w", err)
	}
	added()
	return nil
}

// Queue adds the insert of evs into the outbox to b, so that a caller
// sending its own writes as a batch inside its transaction adds its events
// in the same round trip. It is Add for batches, except that it arms no
// fallback wake-up: after the commit, call Committed, or Done on the
// transaction's Ticket.
func Queue(b *pgx.Batch, evs ...event.Event) {
	if len(evs) == 0 {
		return
	}
	cols := columnsOf(evs)
	b.Queue(insertSQL, cols.ids, cols.aggregates, cols.types, cols.sources, cols.subjects,
		cols.times, cols.schemas, cols.traces, cols.payloads)
}

// columns holds the events column-wise, the shape unnest wants.
type columns struct {
	ids, aggregates, types, sources, subjects, schemas, traces []string
	times                                                      []time.Time
	payloads                                                   [][]byte
}

func columnsOf(evs []event.Event) columns {
	c := columns{
		ids: make([]string, len(evs)), aggregates: make([]string, len(evs)),
		types: make([]string, len(evs)), sources: make([]string, len(evs)),
		subjects: make([]string, len(evs)), schemas: make([]string, len(evs)),
		traces: make([]string, len(evs)), times: make([]time.Time, len(evs)),
		payloads: make([][]byte, len(evs)),
	}
	for i, ev := range evs {
		c.ids[i], c.aggregates[i], c.types[i], c.sources[i] = ev.ID, ev.Subject, ev.Type, ev.Source
		c.subjects[i], c.schemas[i], c.traces[i] = ev.NATSSubject(), ev.DataSchema, ev.TraceParent
		c.times[i], c.payloads[i] = ev.Time, ev.Data
	}
	return c
}
