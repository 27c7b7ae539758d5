package tracecheck_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/testkit"
	"github.com/eventshop/eventshop/tools/client"
	"github.com/eventshop/eventshop/tools/stack"
)

// wait bounds every poll; generous because the machine may be shared.
const wait = 90 * time.Second

// TestOneOrderIsOneTraceAcrossEveryService starts the platform exporting
// every span to a receiver in the test, places one order through the
// gateway, and checks the trace its timeline names: spans from the
// gateway, order, inventory, payment and notification, one root (the
// gateway's request), every other span's parent in the trace, and each
// consumer span a child of the producer span that published its event,
// and each PostgreSQL span with its statement and where it ran.
func TestOneOrderIsOneTraceAcrossEveryService(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	rec := newReceiver(t)
	s := start(ctx, t, map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": rec.URL,
		"OTEL_TRACES_SAMPLER":         "always_on",
		"OTEL_BSP_SCHEDULE_DELAY":     "100", // ms: export soon after a span ends
		"GATEWAY_RATE_LIMIT_OFF":      "true",
	})
	alice := customer(t, s, "alice")

	o, err := alice.PlaceOrder(ctx, []client.Line{{SKU: "SKU-MOUSE", Quantity: 1}}, "tok_visa", "")
	if err != nil {
		t.Fatalf("place order: %v", err)
	}
	if o, err = alice.WaitFinal(ctx, o.ID); err != nil || o.Status != "CONFIRMED" {
		t.Fatalf("order %s: status %q, %v; want CONFIRMED", o.ID, o.Status, err)
	}
	traceID := orderTrace(ctx, t, alice, o.ID)
	t.Cleanup(func() { t.Logf("trace %s:\n%s", traceID, tree(rec.trace(traceID))) })
	testkit.EventuallyErr(t, wait, func() error { return checkTrace(rec.trace(traceID)) })
}

// start builds the binaries and starts the platform with env.
func start(ctx context.Context, t *testing.T, env map[string]string) *stack.Stack {
	t.Helper()
	root, err := stack.Root()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := stack.Build(ctx, root, bin); err != nil {
		t.Fatalf("build: %v", err)
	}
	logw, err := os.Create(filepath.Join(os.TempDir(), "eventshop-tracecheck.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = logw.Close() })
	s, err := stack.Start(ctx, stack.Options{BinDir: bin, Log: logw, Env: env})
	if err != nil {
		t.Fatalf("start platform (log in %s): %v", logw.Name(), err)
	}
	t.Cleanup(s.Stop)
	return s
}

// customer is a gateway client signed in as user.
func customer(t *testing.T, s *stack.Stack, user string) *client.Client {
	t.Helper()
	issuer := auth.NewIssuer(auth.Config{Secret: s.JWTSecret, Issuer: "eventshop", Audience: "eventshop-api"}, time.Hour)
	token, err := issuer.Token(user)
	if err != nil {
		t.Fatal(err)
	}
	return client.ViaGateway(s.URL("gateway")).As(token)
}

// orderTrace is the trace id of the order's timeline, once it holds the
// notification's event, the saga's last; every entry must name the same.
func orderTrace(ctx context.Context, t *testing.T, c *client.Client, orderID string) string {
	t.Helper()
	var id string
	testkit.EventuallyErr(t, wait, func() error {
		tl, err := c.Timeline(ctx, orderID)
		if err != nil {
			return err
		}
		notified := false
		for _, ev := range tl {
			if ev.TraceID == "" || ev.TraceID != tl[0].TraceID {
				return fmt.Errorf("timeline entry %s (%s) in trace %q, want every entry in %q", ev.ID, ev.Type, ev.TraceID, tl[0].TraceID)
			}
			notified = notified || ev.Source == "notification"
		}
		if !notified {
			return fmt.Errorf("timeline of %d entries has no notification event yet", len(tl))
		}
		id = tl[0].TraceID
		return nil
	})
	return id
}

// services are the processes one order's trace must reach.
var services = []string{"gateway", "order", "inventory", "payment", "notification"}

// checkTrace tells what spans lacks of one joined trace of an order.
func checkTrace(spans []span) error {
	byID := make(map[string]span, len(spans))
	seen := map[string]bool{}
	for _, s := range spans {
		byID[s.ID] = s
		seen[s.Service] = true
	}
	var errs []error
	for _, svc := range services {
		if !seen[svc] {
			errs = append(errs, fmt.Errorf("no span from %s", svc))
		}
	}
	var roots []span
	joined := map[string]bool{} // services with a consumer span under another service's producer span
	for _, s := range spans {
		if s.ParentID == "" {
			roots = append(roots, s)
			continue
		}
		parent, ok := byID[s.ParentID]
		if !ok {
			errs = append(errs, fmt.Errorf("%s span %q: parent %s not in the trace", s.Service, s.Name, s.ParentID))
			continue
		}
		if s.Kind == tracepb.Span_SPAN_KIND_CONSUMER {
			if parent.Kind != tracepb.Span_SPAN_KIND_PRODUCER {
				errs = append(errs, fmt.Errorf("%s consumer span %q: parent %s span %q is a %s, want a producer", s.Service, s.Name, parent.Service, parent.Name, parent.Kind))
			}
			joined[s.Service] = joined[s.Service] || parent.Service != s.Service
		}
	}
	if !proxied(spans, byID) {
		errs = append(errs, errors.New("no order server span under a gateway client span"))
	}
	if len(roots) != 1 || roots[0].Service != "gateway" || roots[0].Kind != tracepb.Span_SPAN_KIND_SERVER {
		errs = append(errs, fmt.Errorf("roots %v, want the gateway's server span alone", roots))
	}
	for _, svc := range []string{"inventory", "payment", "notification"} {
		if !joined[svc] {
			errs = append(errs, fmt.Errorf("no consumer span of %s under another service's producer span", svc))
		}
	}
	errs = append(errs, checkDatabaseSpans(spans, byID)...)
	if len(errs) > 0 {
		return fmt.Errorf("trace of %d spans: %w", len(spans), errors.Join(errs...))
	}
	return nil
}

// databaseAttrs are the attributes every PostgreSQL span must carry: its
// statement (a batch's span, its statements) and where it ran (pkg/pgdb
// gives the connection's details once per pool).
var databaseAttrs = []string{"db.query.text", "db.namespace", "server.address", "server.port", "user.name"}

// batchSpan is the name of a batch's span (otelpgx's).
const batchSpan = "batch start"

// checkDatabaseSpans checks that the trace holds PostgreSQL spans, that
// each carries databaseAttrs, and that a batch is one span, with no span
// of its own for each of its statements.
func checkDatabaseSpans(spans []span, byID map[string]span) []error {
	var errs []error
	statements := 0
	for _, s := range spans {
		if s.Attrs["db.system.name"] != "postgresql" {
			continue
		}
		statements++
		for _, k := range databaseAttrs {
			if s.Attrs[k] == "" {
				errs = append(errs, fmt.Errorf("%s database span %q: no %s", s.Service, s.Name, k))
			}
		}
		if parent, ok := byID[s.ParentID]; ok && parent.Name == batchSpan {
			errs = append(errs, fmt.Errorf("%s database span %q: inside a batch's span", s.Service, s.Name))
		}
	}
	if statements == 0 {
		errs = append(errs, errors.New("no PostgreSQL span"))
	}
	return errs
}

// proxied reports whether an order SERVER span is the child of a gateway
// CLIENT span: the gateway's request to the service carried its context.
func proxied(spans []span, byID map[string]span) bool {
	for _, s := range spans {
		p, ok := byID[s.ParentID]
		if ok && s.Service == "order" && s.Kind == tracepb.Span_SPAN_KIND_SERVER &&
			p.Service == "gateway" && p.Kind == tracepb.Span_SPAN_KIND_CLIENT {
			return true
		}
	}
	return false
}

// tree draws spans as an indented tree, children under their parent, for
// the test's log.
func tree(spans []span) string {
	children := map[string][]span{}
	ids := map[string]bool{}
	for _, s := range spans {
		ids[s.ID] = true
	}
	var b strings.Builder
	var draw func(s span, depth int)
	draw = func(s span, depth int) {
		fmt.Fprintf(&b, "%s%s %s [%s]\n", strings.Repeat("  ", depth), s.Service, s.Name, strings.TrimPrefix(s.Kind.String(), "SPAN_KIND_"))
		for _, c := range children[s.ID] {
			draw(c, depth+1)
		}
	}
	for _, s := range spans {
		children[s.ParentID] = append(children[s.ParentID], s)
	}
	for _, s := range spans {
		if !ids[s.ParentID] { // a root, or a span whose parent has not arrived
			draw(s, 0)
		}
	}
	return b.String()
}
