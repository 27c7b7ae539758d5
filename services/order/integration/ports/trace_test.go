package ports_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/order/internal/adapters/tracestore"
	"github.com/eventshop/eventshop/services/order/internal/app/query"
	"github.com/eventshop/eventshop/services/order/internal/service"
	"github.com/eventshop/eventshop/testkit"
)

// knownTrace is the trace the fake trace store holds; its spans are
// jaegerTrace's.
const knownTrace = "4bf92f3577b34da6a3ce929d0e0e4736"

// jaegerTrace is what Jaeger's GET /api/traces/{id} answers for knownTrace:
// a gateway server span and an order consumer span below it.
const jaegerTrace = `{"data":[{"traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spans":[
 {"traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"b7ad6b7169203331","operationName":"order.placed.v2 process",
  "references":[{"refType":"CHILD_OF","traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"00f067aa0ba902b7"}],
  "startTime":1700000000250000,"duration":1500,"tags":[{"key":"span.kind","type":"string","value":"consumer"}],"processID":"p2"},
 {"traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"00f067aa0ba902b7","operationName":"POST /api/v1/orders",
  "references":[],"startTime":1700000000000000,"duration":12000,
  "tags":[{"key":"span.kind","type":"string","value":"server"},{"key":"http.status_code","type":"int64","value":202}],"processID":"p1"}],
 "processes":{"p1":{"serviceName":"gateway","tags":[]},"p2":{"serviceName":"order","tags":[]}}}],
 "total":0,"limit":0,"offset":0,"errors":null}`

// fakeJaeger answers Jaeger's trace query: knownTrace from jaegerTrace,
// 404 for any other; failing makes it answer 500.
type fakeJaeger struct {
	srv     *httptest.Server
	failing atomic.Bool
	calls   atomic.Int32
}

func newFakeJaeger(t *testing.T) *fakeJaeger {
	t.Helper()
	f := &fakeJaeger{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case f.failing.Load():
			w.WriteHeader(http.StatusInternalServerError)
		case r.URL.Path == "/api/traces/"+knownTrace:
			_, _ = w.Write([]byte(jaegerTrace))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"data":null,"errors":[{"code":404,"msg":"trace not found"}]}`))
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// traceEnv is an order service whose order's events are on a real NATS
// server, reading traces from store (nil: none configured).
func traceEnv(t *testing.T, store query.TraceStore) (*env, *bus.Bus) {
	t.Helper()
	b, err := bus.Connect(context.Background(), testkit.NATS(t).URL(), "order-test", quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if err := b.Provision(context.Background()); err != nil {
		t.Fatal(err)
	}
	return newEnv(t, b.JetStream(), func(d *service.Dependencies) { d.Traces = store }), b
}

// placeTraced places an order as alice and publishes an event of its saga
// carrying knownTrace, so that its timeline names that trace.
func placeTraced(t *testing.T, e *env, b *bus.Bus) string {
	t.Helper()
	p := e.place(t, "alice")
	ev := newEvent(t, "inventory", schemas.TypeInventoryReservedV1, p.ID, schemas.InventoryReservedV1{
		OrderID: p.ID, CustomerID: "alice", Items: []schemas.Line{{SKU: "SKU-A", Quantity: 2}},
		TotalCents: 450, Currency: "EUR", PaymentMethod: "tok_visa",
	})
	ev.TraceParent = "00-" + knownTrace + "-b7ad6b7169203331-01"
	if err := b.Publish(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

type traceSpan struct {
	Service    string    `json:"service"`
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	Start      time.Time `json:"start"`
	DurationMS float64   `json:"duration_ms"`
	SpanID     string    `json:"span_id"`
	ParentID   string    `json:"parent_id"`
}

func TestOrderTraceAnswersTheStoresSpans(t *testing.T) {
	t.Parallel()
	e, b := traceEnv(t, tracestore.NewJaeger(newFakeJaeger(t).srv.URL, tracestore.Options{}))
	id := placeTraced(t, e, b)
	var got struct {
		Spans []traceSpan `json:"spans"`
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		r := e.do(t, "alice", http.MethodGet, "/api/v1/orders/"+id+"/trace", nil)
		if r.Status == http.StatusOK {
			r.decode(t, &got)
		}
		return r.Status == http.StatusOK
	}, "the order's trace is read once its event is on the stream")
	start := time.UnixMicro(1700000000000000).UTC()
	want := []traceSpan{
		{Service: "gateway", Name: "POST /api/v1/orders", Kind: "server", Start: start, DurationMS: 12, SpanID: "00f067aa0ba902b7"},
		{Service: "order", Name: "order.placed.v2 process", Kind: "consumer", Start: start.Add(250 * time.Millisecond),
			DurationMS: 1.5, SpanID: "b7ad6b7169203331", ParentID: "00f067aa0ba902b7"},
	}
	if diff := cmp.Diff(want, got.Spans); diff != "" {
		t.Errorf("spans, in start order (-want +got):\n%s", diff)
	}
	if r := e.do(t, "admin", http.MethodGet, "/api/v1/orders/"+id+"/trace", nil); r.Status != http.StatusOK {
		t.Errorf("admin: status %d, want 200", r.Status)
	}
	if r := e.do(t, "bob", http.MethodGet, "/api/v1/orders/"+id+"/trace", nil); r.Status != http.StatusNotFound {
		t.Errorf("someone else's order: status %d, want 404", r.Status)
	}
}

func TestOrderTraceWithoutTraceStoreIsNotFound(t *testing.T) {
	t.Parallel()
	e, b := traceEnv(t, nil)
	id := placeTraced(t, e, b)
	r := e.do(t, "alice", http.MethodGet, "/api/v1/orders/"+id+"/trace", nil)
	assertProblem(t, r, http.StatusNotFound, "no trace store")
}

func TestOrderTraceOfAnUntracedOrderIsNotFound(t *testing.T) {
	t.Parallel()
	fake := newFakeJaeger(t)
	e, _ := traceEnv(t, tracestore.NewJaeger(fake.srv.URL, tracestore.Options{}))
	p := e.place(t, "alice") // no event of it on the stream names knownTrace
	r := e.do(t, "alice", http.MethodGet, "/api/v1/orders/"+p.ID+"/trace", nil)
	assertProblem(t, r, http.StatusNotFound, "no trace")
}

func TestOrderTraceStoreDownIsUnavailableAndOpensTheBreaker(t *testing.T) {
	t.Parallel()
	fake := newFakeJaeger(t)
	fake.failing.Store(true)
	e, b := traceEnv(t, tracestore.NewJaeger(fake.srv.URL, tracestore.Options{MaxFailures: 2, OpenTimeout: time.Hour}))
	id := placeTraced(t, e, b)
	testkit.Eventually(t, 10*time.Second, func() bool {
		r := e.do(t, "alice", http.MethodGet, "/api/v1/orders/"+id+"/trace", nil)
		if r.Status != http.StatusServiceUnavailable {
			return false
		}
		assertProblem(t, r, http.StatusServiceUnavailable, "trace store")
		return fake.calls.Load() >= 2
	}, "the failing store is asked twice and each read answers 503")
	calls := fake.calls.Load()
	r := e.do(t, "alice", http.MethodGet, "/api/v1/orders/"+id+"/trace", nil)
	assertProblem(t, r, http.StatusServiceUnavailable, "trace store")
	if n := fake.calls.Load(); n != calls {
		t.Errorf("the store was asked again (%d calls, was %d) with the breaker open", n, calls)
	}
}

// assertProblem checks that r is a problem+json answer of status whose
// detail contains detail.
func assertProblem(t *testing.T, r response, status int, detail string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("content type %q, want application/problem+json", ct)
	}
	var p struct {
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil || !strings.Contains(p.Detail, detail) {
		t.Errorf("detail %q (%v), want it to mention %q", p.Detail, err, detail)
	}
}
