package tracecheck_test

import (
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/eventshop/eventshop/tools/otlpin"
)

// span is what the checks need of one received span.
type span struct {
	Service, Name string
	Kind          tracepb.Span_SpanKind
	ID, ParentID  string // hex; ParentID is empty for a root
	TraceID       string
	Attrs         map[string]string // string and integer attributes, as text
}

// receiver is an OTLP/HTTP trace receiver: it decodes the protobuf export
// requests the services send to /v1/traces and keeps their spans by trace.
type receiver struct {
	URL string

	mu     sync.Mutex
	traces map[string][]span
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{traces: map[string][]span{}}
	srv := httptest.NewServer(http.HandlerFunc(r.export))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *receiver) export(w http.ResponseWriter, req *http.Request) {
	b, ok := otlpin.Body(w, req)
	if !ok {
		return
	}
	var export collectorpb.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &export); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.add(&export)
	out, _ := proto.Marshal(&collectorpb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func (r *receiver) add(export *collectorpb.ExportTraceServiceRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rs := range export.GetResourceSpans() {
		service := ""
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				sp := span{Service: service, Name: s.GetName(), Kind: s.GetKind(), TraceID: hex.EncodeToString(s.GetTraceId()),
					ID: hex.EncodeToString(s.GetSpanId()), Attrs: attrs(s.GetAttributes())}
				if len(s.GetParentSpanId()) > 0 {
					sp.ParentID = hex.EncodeToString(s.GetParentSpanId())
				}
				r.traces[sp.TraceID] = append(r.traces[sp.TraceID], sp)
			}
		}
	}
}

// trace returns a copy of the spans received so far of the trace id.
func (r *receiver) trace(id string) []span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]span(nil), r.traces[id]...)
}

// attrs keeps the string and integer attributes of a span, as text.
func attrs(kvs []*commonpb.KeyValue) map[string]string {
	out := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		switch v := kv.GetValue().GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			out[kv.GetKey()] = v.StringValue
		case *commonpb.AnyValue_IntValue:
			out[kv.GetKey()] = strconv.FormatInt(v.IntValue, 10)
		}
	}
	return out
}
