package stack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/eventshop/eventshop/testkit"
	"github.com/eventshop/eventshop/tools/client"
	"github.com/eventshop/eventshop/tools/stack"
)

// sagaServices are the services one confirmed order passes through, each
// of which must leave spans in its trace.
var sagaServices = []string{"gateway", "inventory", "notification", "order", "payment"}

// TestTracesOfAnOrderReachJaeger starts the platform with Traces on: Jaeger
// comes up first and answers its query API; then one order placed through
// the gateway is found in Jaeger by the trace id on its timeline, with spans
// from the gateway and every service of the saga.
func TestTracesOfAnOrderReachJaeger(t *testing.T) {
	s := startWithTraces(t)
	ctx := context.Background()

	t.Run("jaeger answers", func(t *testing.T) {
		var services jaegerServices
		if status := getJSON(t, s.JaegerURL+"/api/services", &services); status != http.StatusOK {
			t.Fatalf("GET /api/services: status %d", status)
		}
	})

	t.Run("an order's trace", func(t *testing.T) {
		c, err := loggedIn(ctx, s.URL("gateway"), "alice")
		if err != nil {
			t.Fatal(err)
		}
		o, err := c.PlaceOrder(ctx, []client.Line{{SKU: "SKU-KEYBOARD", Quantity: 1}}, "tok_visa", "")
		if err != nil {
			t.Fatalf("place order: %v", err)
		}
		if o, err = c.WaitFinal(ctx, o.ID); err != nil || o.Status != "CONFIRMED" {
			t.Fatalf("order %s ended %q (%v), want CONFIRMED", o.ID, o.Status, err)
		}
		traceID := placedTraceID(t, ctx, c, o.ID)
		var got []string
		testkit.EventuallyErr(t, 60*time.Second, func() error {
			var tr jaegerTraces
			if status := getJSON(t, s.JaegerURL+"/api/traces/"+traceID, &tr); status != http.StatusOK {
				return fmt.Errorf("GET /api/traces/%s: status %d", traceID, status)
			}
			got = tr.services()
			for _, svc := range sagaServices {
				if !slices.Contains(got, svc) {
					return fmt.Errorf("trace %s has spans from %v, none from %s", traceID, got, svc)
				}
			}
			return nil
		})
		t.Logf("trace %s holds spans from %v", traceID, got)
	})
}

func startWithTraces(t *testing.T) *stack.Stack {
	t.Helper()
	root, err := stack.Root()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	// The first build of Jaeger compiles a large tree; later ones link.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if err := stack.Build(ctx, root, bin); err != nil {
		t.Fatal(err)
	}
	if err := stack.BuildJaeger(ctx, root, bin); err != nil {
		t.Fatal(err)
	}
	s, err := stack.Start(ctx, stack.Options{BinDir: bin, Log: testLog{t}, Traces: true,
		Env: map[string]string{
			"OTEL_TRACES_SAMPLER":     "always_on",
			"OTEL_BSP_SCHEDULE_DELAY": "100", // export within a tenth of a second
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// loggedIn is a client of the gateway at base holding user's token.
func loggedIn(ctx context.Context, base, user string) (*client.Client, error) {
	c := client.ViaGateway(base)
	tok, err := c.Login(ctx, user)
	if err != nil {
		return nil, fmt.Errorf("login %s: %w", user, err)
	}
	return c.As(tok), nil
}

// placedTraceID is the trace id of the order's first event, order.placed,
// which the gateway's request started.
func placedTraceID(t *testing.T, ctx context.Context, c *client.Client, orderID string) string {
	t.Helper()
	evs, err := c.Timeline(ctx, orderID)
	if err != nil {
		t.Fatalf("timeline: %v", err)
	}
	if len(evs) == 0 || evs[0].TraceID == "" {
		t.Fatalf("timeline of %s has no trace id: %+v", orderID, evs)
	}
	return evs[0].TraceID
}

// jaegerServices is the answer of Jaeger's GET /api/services.
type jaegerServices struct {
	Data []string `json:"data"`
}

// jaegerTraces is the part of Jaeger's GET /api/traces/{id} answer the test
// reads: each span names its process, and the process its service.
type jaegerTraces struct {
	Data []struct {
		Spans []struct {
			ProcessID string `json:"processID"`
		} `json:"spans"`
		Processes map[string]struct {
			ServiceName string `json:"serviceName"`
		} `json:"processes"`
	} `json:"data"`
}

// services returns the sorted names of the services with a span in the
// traces.
func (tr jaegerTraces) services() []string {
	var out []string
	for _, trace := range tr.Data {
		for _, span := range trace.Spans {
			if name := trace.Processes[span.ProcessID].ServiceName; !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// getJSON decodes url's answer into out when it is 200 and returns its
// status.
func getJSON(t *testing.T, url string, out any) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("get %s: %v", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("decode %s: %v", url, err)
		}
	}
	return res.StatusCode
}
