package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/event"
)

// Channel is the LISTEN/NOTIFY channel the relays listen on.
const Channel = "outbox"

// insertSQL writes any number of events in one statement from parallel
// arrays, so a command that emits several events costs one round trip.
const insertSQL = `INSERT INTO outbox
  (event_id, aggregate_id, type, source, subject, event_time, data_schema, trace_parent, payload)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
  $6::timestamptz[], $7::text[], $8::text[], $9::bytea[])`

// notifySQL wakes the relays listening on Channel. Sent inside the writing
// transaction, PostgreSQL delivers it when the transaction commits, and
// drops it when it rolls back.
const notifySQL = `SELECT pg_notify('` + Channel + `', '')`

// Add writes evs to the outbox inside the caller's transaction, with a
// NOTIFY that wakes the relay once tx commits. The events are published in
// the order given. Events should come from event.New, which validated them;
// an event id that is not a UUID fails the insert.
func Add(ctx context.Context, tx pgx.Tx, evs ...event.Event) error {
	if len(evs) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	Queue(b, evs...)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("add to outbox: %w", err)
	}
	return nil
}

// Queue is Add for a caller that sends its own writes as a pgx.Batch inside
// its transaction: it adds the insert of evs and the NOTIFY to b, so the
// events travel in the same round trip as the state change.
func Queue(b *pgx.Batch, evs ...event.Event) {
	if len(evs) == 0 {
		return
	}
	queueInsert(b, evs)
	b.Queue(notifySQL)
}

// queueInsert adds the insert of evs, without a NOTIFY, to b.
func queueInsert(b *pgx.Batch, evs []event.Event) {
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
