package order_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// call sends a request and returns the status and body.
func call(t *testing.T, method, url, token, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestRunServesTheSaga runs the service binary and follows one order from
// placement to its saga timeout through the HTTP API.
func TestRunServesTheSaga(t *testing.T) {
	inventory := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"items":[{"sku":"SKU-A","price_cents":300,"currency":"EUR"}]}`))
	}))
	t.Cleanup(inventory.Close)
	addr := testkit.FreeAddr(t)
	t.Setenv("ORDER_HTTP_ADDR", addr)
	t.Setenv("ORDER_DATABASE_URL", testkit.Postgres(t))
	t.Setenv("ORDER_NATS_URL", testkit.NATS(t).URL())
	t.Setenv("ORDER_INVENTORY_URL", inventory.URL)
	t.Setenv("ORDER_JWT_SECRET", "run-test-secret")
	t.Setenv("ORDER_SAGA_TIMEOUT", "1s")

	svc := testkit.StartBinary(t, "../../..", "./cmd/order")
	base := "http://" + addr
	testkit.Eventually(t, 30*time.Second, func() bool {
		status, _ := call(t, http.MethodGet, base+"/readyz", "", "")
		return status == http.StatusOK
	}, "ready")

	placedName := `eventshop_order_placed_total{service="order"}`
	timedOutName := `eventshop_order_saga_finished_total{reason="timeout",service="order",status="CANCELLED"}`
	timedName := `eventshop_order_saga_duration_seconds_count{service="order",status="CANCELLED"}`
	placedBefore, timedOutBefore := metric(t, base, placedName), metric(t, base, timedOutName)
	timedBefore := metric(t, base, timedName)

	token, err := auth.NewIssuer(auth.Config{Secret: "run-test-secret"}, time.Hour).Token("alice")
	if err != nil {
		t.Fatal(err)
	}
	status, body := call(t, http.MethodPost, base+"/api/v1/orders", token,
		`{"items":[{"sku":"SKU-A","quantity":2}],"payment_method":"tok_visa"}`)
	if status != http.StatusAccepted {
		t.Fatalf("place: %d %s", status, body)
	}
	var placed struct {
		ID         string `json:"id"`
		TotalCents int64  `json:"total_cents"`
	}
	if err := json.Unmarshal(body, &placed); err != nil || placed.TotalCents != 600 {
		t.Fatalf("placed %s: %v", body, err)
	}
	var timeline struct {
		Events []struct {
			Type string `json:"type"`
		} `json:"events"`
	}
	testkit.Eventually(t, 30*time.Second, func() bool {
		_, body := call(t, http.MethodGet, base+"/api/v1/orders/"+placed.ID+"/timeline", token, "")
		timeline.Events = nil
		return json.Unmarshal(body, &timeline) == nil && len(timeline.Events) == 2
	}, "the placed and timed-out events are published")
	var types []string
	for _, ev := range timeline.Events {
		types = append(types, ev.Type)
	}
	if diff := cmp.Diff([]string{"order.placed.v2", "order.cancelled.v1"}, types); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
	if got := metric(t, base, placedName) - placedBefore; got != 1 {
		t.Errorf("%s rose by %v, want 1", placedName, got)
	}
	if got := metric(t, base, timedOutName) - timedOutBefore; got != 1 {
		t.Errorf("%s rose by %v, want 1", timedOutName, got)
	}
	// The saga is timed when its final event reaches the bus.
	testkit.Eventually(t, 30*time.Second, func() bool { return metric(t, base, timedName)-timedBefore == 1 },
		timedName+" rises by one")

	if err := svc.Stop(); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}

// metric reads one sample from /metrics; an absent sample is zero. Metrics
// are per process, so tests compare differences.
func metric(t *testing.T, base, name string) float64 {
	t.Helper()
	_, body := call(t, http.MethodGet, base+"/metrics", "", "")
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", line, err)
			}
			return f
		}
	}
	return 0
}
