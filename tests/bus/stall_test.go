package bus_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outage"
)

// TestPublishThatIsNeverAnsweredFailsAsAnOutage publishes to a subject
// that a plain subscriber swallows, as a stream whose leader died does:
// no ack ever comes, and the publish fails as an outage within seconds
// instead of holding the caller for the client's 30 s timeout; a publish
// answered in the same call still succeeds.
func TestPublishThatIsNeverAnsweredFailsAsAnOutage(t *testing.T) {
	t.Parallel()
	srv, b := connect(t)
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	if _, err := nc.Subscribe("silent.>", func(*nats.Msg) {}); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	good := rejected(t, "out_of_stock")
	silent := rejected(t, "out_of_stock")
	silent.Type = "silent.rejected.v1"

	start := time.Now()
	errs := b.PublishAll(t.Context(), []event.Event{good, silent})
	took := time.Since(start)
	if errs[0] != nil {
		t.Errorf("publish to a stream: %v", errs[0])
	}
	if errs[1] == nil {
		t.Fatal("a publish nobody answered succeeded")
	}
	if !outage.Is(errs[1]) || !errors.Is(errs[1], jetstream.ErrAsyncPublishTimeout) {
		t.Errorf("unanswered publish failed with %v, want an outage", errs[1])
	}
	// Well under the client's 30 s ack timeout: a correctness bound.
	if took > 20*time.Second {
		t.Errorf("an unanswered publish held the caller %s", took)
	}
}
