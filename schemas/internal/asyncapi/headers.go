package asyncapi

import (
	"encoding/json"
	"fmt"

	"github.com/eventshop/eventshop/schemas"
)

// header is one NATS header of the envelope.
type header struct {
	name, description, format, pattern string
	required                           bool
}

// envelope lists the NATS headers every event carries: the CloudEvents 1.0
// attributes (binary content mode), W3C trace context and the JetStream
// deduplication id.
var envelope = []header{
	{name: "ce-specversion", description: "CloudEvents version, 1.0.", required: false},
	{name: "ce-id", description: "Event id, a UUIDv7; unique and roughly time-ordered.", format: "uuid", required: true},
	{name: "ce-source", description: "The producing service, e.g. order.", required: true},
	{name: "ce-type", description: "The event type.", required: true},
	{name: "ce-time", description: "When the event happened, RFC 3339.", format: "date-time", required: true},
	{name: "ce-subject", description: "The aggregate id; also the last subject token.", required: true},
	{name: "ce-dataschema", description: "Path the gateway serves the payload schema on.", required: true},
	{name: "traceparent", description: "W3C trace context of the trace the event belongs to.", pattern: "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"},
	{name: "Nats-Msg-Id", description: "Equals ce-id, so JetStream drops duplicate publishes.", required: true},
}

// headersSchema is the JSON Schema of an event's headers; ce-type and
// ce-dataschema are fixed per event type.
func headersSchema(ev schemas.Info) (json.RawMessage, error) {
	props := map[string]any{}
	var required []string
	for _, h := range envelope {
		p := map[string]any{"type": "string", "description": h.description}
		if h.format != "" {
			p["format"] = h.format
		}
		if h.pattern != "" {
			p["pattern"] = h.pattern
		}
		switch h.name {
		case "ce-type":
			p["const"] = ev.Type
		case "ce-dataschema":
			p["const"] = ev.SchemaURL
		case "ce-specversion":
			p["const"] = "1.0"
		}
		props[h.name] = p
		if h.required {
			required = append(required, h.name)
		}
	}
	raw, err := json.Marshal(map[string]any{"type": "object", "required": required, "properties": props})
	if err != nil {
		return nil, fmt.Errorf("encode headers of %s: %w", ev.Type, err)
	}
	return raw, nil
}
