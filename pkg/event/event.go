// Package event defines the platform's event envelope: CloudEvents 1.0
// attributes around a JSON payload that the schema registry validates.
package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/schemas"
)

// ErrInvalid marks an event that does not match its schema or has no known type.
var ErrInvalid = errors.New("invalid event")

// Event is one event in the CloudEvents shape. Type is "<domain>.<event>.v<N>"
// and Subject the aggregate id (an order id, a SKU), so that the NATS subject
// "<Type>.<Subject>" lets readers filter one aggregate's history.
type Event struct {
	ID          string          // ce-id, a UUIDv7: unique and roughly time-ordered
	Type        string          // ce-type, e.g. "order.placed.v1"
	Source      string          // ce-source, the producing service
	Subject     string          // ce-subject, the aggregate id
	Time        time.Time       // ce-time
	DataSchema  string          // ce-dataschema, where the registry serves the schema
	TraceParent string          // W3C traceparent of the trace this event belongs to
	Data        json.RawMessage // the payload
}

// New builds an event of type typ about aggregate subject, marshalling payload
// and validating it against the registry. An invalid payload is an error
// wrapping ErrInvalid, so a producer never writes it to its outbox.
func New(source, typ, subject string, payload any) (Event, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return Event{}, fmt.Errorf("marshal %s: %w", typ, err)
	}
	if err := Validate(typ, data); err != nil {
		return Event{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Event{}, fmt.Errorf("event id: %w", err)
	}
	return Event{
		ID:         id.String(),
		Type:       typ,
		Source:     source,
		Subject:    subject,
		Time:       time.Now().UTC(),
		DataSchema: SchemaURL(typ),
		Data:       data,
	}, nil
}

// Validate checks data against the registry's schema for typ.
func Validate(typ string, data []byte) error {
	if err := schemas.Validate(typ, data); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalid, typ, err)
	}
	return nil
}

// NATSSubject is the subject the event is published on.
func (e Event) NATSSubject() string { return e.Type + "." + e.Subject }

// Domain is the first token of the type, which names the stream ("order").
func (e Event) Domain() string {
	d, _, _ := strings.Cut(e.Type, ".")
	return d
}

// SchemaURL is the gateway path that serves the schema of typ, used as ce-dataschema.
func SchemaURL(typ string) string {
	i := strings.LastIndex(typ, ".")
	if i < 0 {
		return "/api/v1/schemas/" + typ
	}
	return "/api/v1/schemas/" + typ[:i] + "/" + typ[i+1:]
}

// Decode unmarshals the payload into v.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("%w: decode %s: %w", ErrInvalid, e.Type, err)
	}
	return nil
}
