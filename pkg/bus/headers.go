package bus

import (
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/event"
)

// CloudEvents attributes and other headers of an event message.
const (
	HeaderSpecVersion = "ce-specversion"
	HeaderID          = "ce-id"
	HeaderSource      = "ce-source"
	HeaderType        = "ce-type"
	HeaderTime        = "ce-time"
	HeaderSubject     = "ce-subject"
	HeaderDataSchema  = "ce-dataschema"
	HeaderContentType = "content-type"
	HeaderTraceParent = "traceparent"
	// HeaderMsgID is JetStream's deduplication key; it equals ce-id.
	HeaderMsgID = jetstream.MsgIDHeader

	specVersion = "1.0"
	contentType = "application/json"
)

// ErrMalformed marks a message whose headers do not form an event envelope.
// It wraps event.ErrInvalid.
var ErrMalformed = fmt.Errorf("%w: malformed envelope", event.ErrInvalid)

// Headers encodes the envelope of ev as NATS headers, with Nats-Msg-Id = ce-id
// so JetStream drops a duplicate publish of the same event.
func Headers(ev event.Event) nats.Header {
	// Direct map writes keep the lower-case CloudEvents names and avoid the
	// allocations of Header.Set on the publish hot path.
	h := make(nats.Header, 10)
	h[HeaderSpecVersion] = []string{specVersion}
	h[HeaderID] = []string{ev.ID}
	h[HeaderSource] = []string{ev.Source}
	h[HeaderType] = []string{ev.Type}
	h[HeaderTime] = []string{ev.Time.UTC().Format(time.RFC3339Nano)}
	h[HeaderSubject] = []string{ev.Subject}
	h[HeaderContentType] = []string{contentType}
	h[HeaderMsgID] = []string{ev.ID}
	if ev.DataSchema != "" {
		h[HeaderDataSchema] = []string{ev.DataSchema}
	}
	if ev.TraceParent != "" {
		h[HeaderTraceParent] = []string{ev.TraceParent}
	}
	return h
}

// NewMsg is the NATS message that carries ev on its subject.
func NewMsg(ev event.Event) *nats.Msg {
	return &nats.Msg{Subject: ev.NATSSubject(), Header: Headers(ev), Data: ev.Data}
}

// EventFromMsg decodes the event carried by a message on subject with the
// given headers and body; it is the inverse of NewMsg. It checks the envelope
// only: validating the payload against its schema is event.Validate's job.
func EventFromMsg(subject string, h nats.Header, data []byte) (event.Event, error) {
	ev := event.Event{
		ID:          h.Get(HeaderID),
		Type:        h.Get(HeaderType),
		Source:      h.Get(HeaderSource),
		Subject:     h.Get(HeaderSubject),
		DataSchema:  h.Get(HeaderDataSchema),
		TraceParent: h.Get(HeaderTraceParent),
		Data:        data,
	}
	if ev.ID == "" || ev.Type == "" {
		return ev, fmt.Errorf("%w: subject %s: missing %s or %s", ErrMalformed, subject, HeaderID, HeaderType)
	}
	if v := h.Get(HeaderSpecVersion); v != "" && v != specVersion {
		return ev, fmt.Errorf("%w: unsupported %s %q", ErrMalformed, HeaderSpecVersion, v)
	}
	if ev.Subject == "" {
		ev.Subject = strings.TrimPrefix(subject, ev.Type+".")
	}
	if ts := h.Get(HeaderTime); ts != "" {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return ev, fmt.Errorf("%w: %s: %w", ErrMalformed, HeaderTime, err)
		}
		ev.Time = t
	}
	return ev, nil
}
