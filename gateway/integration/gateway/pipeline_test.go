package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPipelineReadsEachServicesMetrics checks GET /api/v1/admin/pipeline:
// admins only; each service's outbox and consumer gauges are read from its
// /metrics and nothing else is; a service whose metrics cannot be read is
// listed with the reason.
func TestPipelineReadsEachServicesMetrics(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig(), nil)
	metrics := strings.Join([]string{
		"# TYPE eventshop_outbox_backlog gauge",
		`eventshop_outbox_backlog{service="inventory"} 3`,
		"# TYPE eventshop_bus_consumer_pending gauge",
		`eventshop_bus_consumer_pending{consumer="inventory-orders",service="inventory"} 7`,
		"# TYPE eventshop_http_requests_total counter",
		`eventshop_http_requests_total{code="200",method="GET",route="/x",service="inventory"} 12`,
		"",
	}, "\n")
	h.up["inventory"].mu.Lock()
	h.up["inventory"].body = func(*http.Request) string { return metrics }
	h.up["inventory"].mu.Unlock()
	h.up["payment"].set(http.StatusServiceUnavailable)

	if resp, _ := h.do(t, "GET", "/api/v1/admin/pipeline", "", bearer(h.token(t, "alice"))); resp.StatusCode != http.StatusForbidden {
		t.Errorf("customer: status %d, want 403", resp.StatusCode)
	}
	resp, body := h.do(t, "GET", "/api/v1/admin/pipeline", "", bearer(h.token(t, "admin")))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("admin: status %d %s", resp.StatusCode, body)
	}
	var got struct {
		Items []struct {
			Service, Measure, Consumer, Error string
			Value                             float64
		}
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	readings := map[string]float64{}
	errs := map[string]string{}
	for _, it := range got.Items {
		if it.Error != "" {
			errs[it.Service] = it.Error
			continue
		}
		readings[it.Service+" "+it.Measure+" "+it.Consumer] = it.Value
	}
	want := map[string]float64{
		"inventory eventshop_outbox_backlog ":                       3,
		"inventory eventshop_bus_consumer_pending inventory-orders": 7,
	}
	if diff := cmp.Diff(want, readings); diff != "" {
		t.Errorf("readings (-want +got):\n%s", diff)
	}
	if !strings.Contains(errs["payment"], "503") {
		t.Errorf("payment's unreadable metrics: error %q, want the status", errs["payment"])
	}
}
