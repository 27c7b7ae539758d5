package main

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// TestSinkCountsSpansByServiceAndName posts an OTLP export to the sink and
// checks what it counted, and that a take starts the count again.
func TestSinkCountsSpansByServiceAndName(t *testing.T) {
	s, err := startSink()
	if err != nil {
		t.Fatal(err)
	}
	body, err := proto.Marshal(&collectorpb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{{Key: "service.name",
			Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "order"}}}}},
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{Name: "INSERT"}, {Name: "INSERT"}, {Name: "send order.placed.v2"}}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(s.URL+"/v1/traces", "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	spans, n := s.take()
	want := map[spanKey]int{{"order", "INSERT"}: 2, {"order", "send order.placed.v2"}: 1}
	if diff := cmp.Diff(want, spans, cmp.AllowUnexported(spanKey{})); diff != "" || n != len(body) {
		t.Errorf("counted %d bytes, want %d; spans (-want +got):\n%s", n, len(body), diff)
	}
	if spans, n := s.take(); len(spans) != 0 || n != 0 {
		t.Errorf("second take: %v, %d bytes; want nothing", spans, n)
	}
	resp, err = http.Post(s.URL+"/v1/traces", "application/x-protobuf", bytes.NewReader([]byte{0x0a, 0x05, 0x01}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed export: status %d, want 400", resp.StatusCode)
	}
}

// TestPerOrderSortsAndSums checks spans per order, most frequent first.
func TestPerOrderSortsAndSums(t *testing.T) {
	got, total := perOrder(map[spanKey]int{{"order", "INSERT"}: 10, {"payment", "POST provider"}: 20}, 10)
	want := []spanCount{{spanKey{"payment", "POST provider"}, 2}, {spanKey{"order", "INSERT"}, 1}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(spanCount{}, spanKey{})); diff != "" || total != 3 {
		t.Errorf("total %v, want 3; (-want +got):\n%s", total, diff)
	}
}
