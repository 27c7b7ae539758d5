package tracestore

import (
	"time"

	"github.com/eventshop/eventshop/services/order/internal/app/query"
)

// traces is the part of Jaeger's query API answer (its JSON model, as the
// UI reads it) that the order's waterfall needs.
type traces struct {
	Data []trace `json:"data"`
}

type trace struct {
	Spans     []span             `json:"spans"`
	Processes map[string]process `json:"processes"`
}

type span struct {
	SpanID        string      `json:"spanID"`
	OperationName string      `json:"operationName"`
	References    []reference `json:"references"`
	StartTime     int64       `json:"startTime"` // microseconds since the epoch
	Duration      int64       `json:"duration"`  // microseconds
	Tags          []tag       `json:"tags"`
	ProcessID     string      `json:"processID"`
}

type reference struct {
	RefType string `json:"refType"`
	SpanID  string `json:"spanID"`
}

type tag struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

type process struct {
	ServiceName string `json:"serviceName"`
}

// toSpans converts Jaeger's spans to the query's: the service from the
// span's process, the kind from its span.kind tag, the parent from its
// CHILD_OF reference.
func (t traces) toSpans() []query.Span {
	var out []query.Span
	for _, tr := range t.Data {
		for _, s := range tr.Spans {
			out = append(out, query.Span{
				Service:  tr.Processes[s.ProcessID].ServiceName,
				Name:     s.OperationName,
				Kind:     s.kind(),
				Start:    time.UnixMicro(s.StartTime).UTC(),
				Duration: time.Duration(s.Duration) * time.Microsecond,
				SpanID:   s.SpanID,
				ParentID: s.parent(),
			})
		}
	}
	return out
}

// kind is the span's kind; OpenTelemetry's default, internal, when the
// span has no span.kind tag.
func (s span) kind() string {
	for _, t := range s.Tags {
		if v, ok := t.Value.(string); ok && t.Key == "span.kind" {
			return v
		}
	}
	return "internal"
}

func (s span) parent() string {
	for _, r := range s.References {
		if r.RefType == "CHILD_OF" {
			return r.SpanID
		}
	}
	if len(s.References) > 0 {
		return s.References[0].SpanID
	}
	return ""
}
