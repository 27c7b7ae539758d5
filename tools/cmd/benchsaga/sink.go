package main

import (
	"cmp"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"

	"github.com/eventshop/eventshop/tools/otlpin"
)

// sink is an OTLP/HTTP trace receiver that keeps nothing: it answers every
// export to /v1/traces with 200 and only counts the spans it got, by
// service and span name. Exporting to it instead of Jaeger leaves the
// services' own cost of tracing (spans, attributes, serialisation, HTTP
// export) without a collector's ingestion on the same cores; reading the
// spans' names in place (spanNames) is the little work it does.
type sink struct {
	URL string

	mu    sync.Mutex
	spans map[spanKey]int
	bytes int // of the export requests' protobuf, uncompressed
}

// spanKey names a kind of span: the service that made it and its name.
type spanKey struct{ service, name string }

// startSink serves a sink on the loopback interface until the process ends.
func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen sink: %w", err)
	}
	s := &sink{URL: "http://" + ln.Addr().String(), spans: map[spanKey]int{}}
	go http.Serve(ln, http.HandlerFunc(s.export)) //nolint:errcheck // lives as long as the process
	return s, nil
}

func (s *sink) export(w http.ResponseWriter, req *http.Request) {
	b, ok := otlpin.Body(w, req)
	if !ok {
		return
	}
	if err := s.count(b); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

// count adds the spans and the size of export request b.
func (s *sink) count(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bytes += len(b)
	return spanNames(b, func(service, name []byte) {
		s.spans[spanKey{string(service), string(name)}]++
	})
}

// take returns the spans and bytes counted since the last take and
// starts again.
func (s *sink) take() (map[spanKey]int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	spans, bytes := s.spans, s.bytes
	s.spans, s.bytes = map[spanKey]int{}, 0
	return spans, bytes
}

// spanCount is how many spans of one kind a round made per order.
type spanCount struct {
	key      spanKey
	perOrder float64
}

// perOrder turns the counts of rounds that placed orders orders in all
// into spans per order, most frequent first, and their total.
func perOrder(counts map[spanKey]int, orders int) ([]spanCount, float64) {
	out := make([]spanCount, 0, len(counts))
	total := 0.0
	for k, n := range counts {
		x := float64(n) / float64(orders)
		out = append(out, spanCount{k, x})
		total += x
	}
	slices.SortFunc(out, func(a, b spanCount) int {
		return cmp.Or(cmp.Compare(b.perOrder, a.perOrder), cmp.Compare(a.key.service, b.key.service), cmp.Compare(a.key.name, b.key.name))
	})
	return out, total
}
