package bus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/testkit"
)

func TestPublishStoresCloudEventsHeaders(t *testing.T) {
	t.Parallel()
	_, b := connect(t)
	ev := rejected(t, "out_of_stock")
	publish(t, b, ev)

	stream, err := b.JetStream().Stream(t.Context(), bus.StreamOrder)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	raw, err := stream.GetLastMsgForSubject(t.Context(), ev.NATSSubject())
	if err != nil {
		t.Fatalf("get message: %v", err)
	}
	want := map[string]string{
		"ce-specversion": "1.0",
		"ce-id":          ev.ID,
		"ce-source":      "order",
		"ce-type":        "order.rejected.v1",
		"ce-time":        ev.Time.UTC().Format(time.RFC3339Nano),
		"ce-subject":     ev.Subject,
		"ce-dataschema":  "/api/v1/schemas/order.rejected/v1",
		"content-type":   "application/json",
		"traceparent":    ev.TraceParent,
		"Nats-Msg-Id":    ev.ID,
	}
	got := map[string]string{}
	for k := range raw.Header {
		got[k] = raw.Header.Get(k)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	back, err := bus.EventFromMsg(raw.Subject, raw.Header, raw.Data)
	if err != nil {
		t.Fatalf("event from message: %v", err)
	}
	if diff := cmp.Diff(ev, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestPublishDeduplicatesByEventID(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	b := connectTo(t, testkit.NATS(t), bus.WithMetrics(bus.NewMetrics(reg)))
	ev := rejected(t, "out_of_stock")
	publish(t, b, ev)
	publish(t, b, ev, ev)
	if got := counter(t, reg, "eventshop_bus_publish_duplicates_total", "type", ev.Type); got != 2 {
		t.Errorf("duplicates counted: %v, want 2", got)
	}

	stream, err := b.JetStream().Stream(t.Context(), bus.StreamOrder)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	if n := stream.CachedInfo().State.Msgs; n != 1 {
		t.Errorf("stream holds %d messages, want 1", n)
	}
}

func TestPublishAllReportsEachEvent(t *testing.T) {
	t.Parallel()
	_, b := connect(t)
	good := rejected(t, "out_of_stock")
	orphan := rejected(t, "out_of_stock")
	orphan.Type = "nostream.rejected.v1" // no stream holds this subject

	errs := b.PublishAll(t.Context(), []event.Event{good, orphan})
	if len(errs) != 2 {
		t.Fatalf("got %d results, want 2", len(errs))
	}
	if errs[0] != nil {
		t.Errorf("publish to a stream: %v", errs[0])
	}
	if errs[1] == nil {
		t.Error("publish to a subject no stream holds succeeded")
	}
	if err := b.Publish(t.Context(), good, orphan); err == nil {
		t.Error("Publish hid the failed event")
	}
}

func TestProvisionIsIdempotentAndConcurrent(t *testing.T) {
	t.Parallel()
	srv, b := connect(t)
	other := connectTo(t, srv)

	var g errgroup.Group
	for _, c := range []*bus.Bus{b, other, b, other} {
		g.Go(func() error { return c.Provision(t.Context()) })
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("concurrent provision: %v", err)
	}
	var names []string
	for name := range b.JetStream().StreamNames(t.Context()).Name() {
		names = append(names, name)
	}
	want := []string{"DLQ", "INVENTORY", "NOTIFICATION", "ORDER", "PAYMENT"}
	if diff := cmp.Diff(want, names, sortStrings); diff != "" {
		t.Errorf("streams (-want +got):\n%s", diff)
	}
	info, err := b.JetStream().Stream(t.Context(), bus.StreamOrder)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	cfg := info.CachedInfo().Config
	if cfg.Duplicates != 2*time.Minute || cfg.Storage != jetstream.FileStorage {
		t.Errorf("ORDER stream: duplicates %s storage %s", cfg.Duplicates, cfg.Storage)
	}
}

func TestReady(t *testing.T) {
	t.Parallel()
	srv, b := connect(t)
	if err := b.Ready(t.Context()); err != nil {
		t.Fatalf("ready while up: %v", err)
	}
	srv.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if err := b.Ready(ctx); err == nil {
		t.Error("ready while the server is down")
	}
}

func TestEventFromMsgRejectsMalformedEnvelopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header nats.Header
	}{
		{"no headers", nil},
		{"no id", nats.Header{"ce-type": {"order.rejected.v1"}}},
		{"no type", nats.Header{"ce-id": {"x"}}},
		{"bad time", nats.Header{"ce-id": {"x"}, "ce-type": {"order.rejected.v1"}, "ce-time": {"yesterday"}}},
		{"other spec version", nats.Header{"ce-id": {"x"}, "ce-type": {"order.rejected.v1"}, "ce-specversion": {"0.3"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := bus.EventFromMsg("order.rejected.v1.x", tt.header, []byte(`{}`))
			if !errors.Is(err, event.ErrInvalid) {
				t.Errorf("error %v, want one wrapping event.ErrInvalid", err)
			}
		})
	}
}
