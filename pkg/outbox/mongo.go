package outbox

import (
	"encoding/json"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/eventshop/eventshop/pkg/event"
)

// MongoField is the document field that holds a document's pending events.
const MongoField = "outbox"

// mongoEvent is how an event is stored in a document's outbox array. Data
// is the JSON payload as a string, so its bytes survive unchanged.
type mongoEvent struct {
	ID          string `bson:"id"`
	Type        string `bson:"type"`
	Source      string `bson:"source"`
	Subject     string `bson:"subject"`
	Time        string `bson:"time"` // RFC 3339 with nanoseconds; BSON dates keep milliseconds
	DataSchema  string `bson:"dataschema"`
	TraceParent string `bson:"traceparent"`
	Data        string `bson:"data"`
}

// MongoEvents returns evs as values for the changed document's outbox
// array, to be added in the same single-document update as the state
// change, e.g. bson.M{"$push": bson.M{outbox.MongoField: bson.M{"$each": outbox.MongoEvents(evs...)}}}
// or bson.M{"$set": bson.M{outbox.MongoField: outbox.MongoEvents(evs...)}} in a new document.
func MongoEvents(evs ...event.Event) bson.A {
	a := make(bson.A, len(evs))
	for i, ev := range evs {
		a[i] = mongoEvent{
			ID: ev.ID, Type: ev.Type, Source: ev.Source, Subject: ev.Subject,
			Time: ev.Time.UTC().Format(time.RFC3339Nano), DataSchema: ev.DataSchema,
			TraceParent: ev.TraceParent, Data: string(ev.Data),
		}
	}
	return a
}

// fromMongo decodes one element of an outbox array.
func fromMongo(raw bson.Raw) (event.Event, error) {
	var m mongoEvent
	if err := bson.Unmarshal(raw, &m); err != nil {
		return event.Event{}, fmt.Errorf("decode outbox element: %w", err)
	}
	at, err := time.Parse(time.RFC3339Nano, m.Time)
	if err != nil {
		return event.Event{}, fmt.Errorf("decode outbox element %s time: %w", m.ID, err)
	}
	return event.Event{
		ID: m.ID, Type: m.Type, Source: m.Source, Subject: m.Subject, Time: at,
		DataSchema: m.DataSchema, TraceParent: m.TraceParent, Data: json.RawMessage(m.Data),
	}, nil
}
