// Package otlpin takes in an OTLP/HTTP trace export the way a collector
// does, for the tools that receive spans in their own process: the tracing
// test (tracecheck) and the tracing bench's sink (benchsaga).
package otlpin

import (
	"compress/gzip"
	"io"
	"net/http"
)

// path is where an OTLP/HTTP exporter posts its traces.
const path = "/v1/traces"

// Body returns the protobuf body of an export request, gunzipped when the
// exporter compressed it. When req is not an export or its body cannot be
// read, it answers the exporter itself and returns false.
func Body(w http.ResponseWriter, req *http.Request) ([]byte, bool) {
	if req.URL.Path != path || req.Method != http.MethodPost {
		http.NotFound(w, req)
		return nil, false
	}
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return nil, false
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false
	}
	return b, true
}
