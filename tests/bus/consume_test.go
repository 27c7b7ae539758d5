package bus_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nats-io/nats.go"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/testkit"
)

var errFlaky = errors.New("flaky dependency")

// fast retries quickly so that tests exercising redelivery stay short.
var fast = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}

func TestTransientErrorIsRetriedThenSucceeds(t *testing.T) {
	t.Parallel()
	_, b := connect(t)
	rec := newRecorder(func(m bus.Message) error {
		if m.Delivered < 3 {
			return errFlaky
		}
		return nil
	})
	consume(t, b, bus.ConsumerConfig{MaxDeliver: 5, Backoff: fast}, rec.handle)
	ev := rejected(t, "out_of_stock")
	publish(t, b, ev)

	testkit.Eventually(t, wait, func() bool { return rec.handledCount(ev.ID) == 1 }, "event never handled")
	if got := rec.lastDelivery(ev.ID); got != 3 {
		t.Errorf("handled on delivery %d, want 3", got)
	}
	if depth := dlqDepth(t, b); depth != 0 {
		t.Errorf("DLQ depth %d, want 0", depth)
	}
}

func TestFailingEventDoesNotHoldUpOthers(t *testing.T) {
	t.Parallel()
	_, b := connect(t)
	poison := rejected(t, "poison")
	rec := newRecorder(failID(poison.ID, errFlaky))
	// The hour-long backoff would stall every later event if a failing
	// message blocked the ones behind it.
	consume(t, b, bus.ConsumerConfig{MaxDeliver: 10, Backoff: []time.Duration{time.Hour}, BatchSize: 2}, rec.handle)
	good := []event.Event{rejected(t, "a"), rejected(t, "b"), rejected(t, "c"), rejected(t, "d"), rejected(t, "e")}
	publish(t, b, append([]event.Event{poison}, good...)...)

	testkit.Eventually(t, wait, func() bool { return rec.handledAll(good) }, "events behind a failing one not handled")
}

func TestEventFailingEveryDeliveryIsDeadLettered(t *testing.T) {
	t.Parallel()
	_, b := connect(t)
	poison := rejected(t, "poison")
	rec := newRecorder(failID(poison.ID, errFlaky))
	consume(t, b, bus.ConsumerConfig{Service: "inventory", MaxDeliver: 3, Backoff: fast}, rec.handle)
	good := []event.Event{rejected(t, "a"), rejected(t, "b")}
	publish(t, b, poison, good[0], good[1])

	dl := awaitDeadLetter(t, b, poison.ID)
	want := bus.DeadLetter{
		Service:    "inventory",
		Type:       "order.rejected.v1",
		Subject:    poison.NATSSubject(),
		Error:      errFlaky.Error(),
		Deliveries: 3,
		Payload:    poison.Data,
	}
	if diff := cmp.Diff(want, dl, cmpopts.IgnoreFields(bus.DeadLetter{}, "ID", "Time", "Headers")); diff != "" {
		t.Errorf("dead letter (-want +got):\n%s", diff)
	}
	testkit.Eventually(t, wait, func() bool { return rec.handledAll(good) }, "events behind the dead letter not handled")
	if got := rec.lastDelivery(poison.ID); got != 3 {
		t.Errorf("handler saw delivery %d, want 3", got)
	}
}

func TestPermanentErrorIsDeadLetteredAtOnce(t *testing.T) {
	t.Parallel()
	_, b := connect(t)
	poison := rejected(t, "poison")
	rec := newRecorder(failID(poison.ID, bus.Permanent(errors.New("unknown product"))))
	consume(t, b, bus.ConsumerConfig{MaxDeliver: 5, Backoff: fast}, rec.handle)
	publish(t, b, poison)

	dl := awaitDeadLetter(t, b, poison.ID)
	if dl.Deliveries != 1 || dl.Error != "unknown product" {
		t.Errorf("dead letter after %d deliveries with error %q, want 1 and %q", dl.Deliveries, dl.Error, "unknown product")
	}
	if got := rec.lastDelivery(poison.ID); got != 1 {
		t.Errorf("handler saw delivery %d, want only the first", got)
	}
}

func TestInvalidEventIsDeadLetteredWithoutReachingHandler(t *testing.T) {
	t.Parallel()
	_, b := connect(t)
	rec := newRecorder(nil)
	consume(t, b, bus.ConsumerConfig{Subjects: []string{"order.>"}, MaxDeliver: 5, Backoff: fast}, rec.handle)

	valid := rejected(t, "out_of_stock")
	unknown := valid
	unknown.ID, unknown.Type = "unknown-type", "order.exploded.v1"
	malformed := valid
	malformed.ID, malformed.Data = "malformed-json", []byte(`{"order_id":`)
	schemaless := valid
	schemaless.ID, schemaless.Subject = "schema-violation", "schema-violation" // a subject of its own
	schemaless.Data = []byte(`{"order_id":"not-a-uuid","customer_id":"alice","reason":"out_of_stock"}`)
	tests := []struct {
		name   string
		msg    *nats.Msg
		id     string // ce-id, empty when the message has none
		reason string
	}{
		{"unknown type", bus.NewMsg(unknown), unknown.ID, "order.exploded.v1"},
		{"malformed json", bus.NewMsg(malformed), malformed.ID, "invalid event"},
		{"schema violation", bus.NewMsg(schemaless), schemaless.ID, "/order_id"},
		{"no envelope", &nats.Msg{Subject: "order.rejected.v1.bare", Data: []byte(`{}`)}, "", "malformed envelope"},
	}
	for _, tt := range tests {
		if _, err := b.JetStream().PublishMsg(t.Context(), tt.msg); err != nil {
			t.Fatalf("publish %s: %v", tt.name, err)
		}
	}
	behind := rejected(t, "out_of_stock") // a valid event queued behind the invalid ones
	if err := b.Publish(t.Context(), behind); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return rec.handledCount(behind.ID) == 1 },
		"the valid event behind the invalid ones was not handled")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dl := awaitDeadLetterOn(t, b, tt.msg.Subject)
			if dl.Deliveries != 1 || !strings.Contains(dl.Error, tt.reason) {
				t.Errorf("dead letter after %d deliveries, error %q; want 1 and one naming %q", dl.Deliveries, dl.Error, tt.reason)
			}
			if tt.id != "" && rec.lastDelivery(tt.id) != 0 {
				t.Errorf("handler got the invalid event")
			}
		})
	}
}

func TestStopWaitsForBatchInFlight(t *testing.T) {
	t.Parallel()
	_, b := connect(t)
	entered, release := make(chan struct{}), make(chan struct{})
	finished := false
	c, err := b.Consume(t.Context(), bus.ConsumerConfig{Service: "test", Subjects: []string{"order.rejected.>"}},
		func(_ context.Context, msgs []bus.Message) []error {
			close(entered)
			<-release
			finished = true
			return nil
		})
	if err != nil {
		t.Fatalf("consume: %v", err)
	}
	publish(t, b, rejected(t, "out_of_stock"))
	<-entered
	stopped := make(chan struct{})
	go func() {
		c.Stop()
		close(stopped)
	}()
	close(release)
	<-stopped
	if !finished {
		t.Fatal("Stop returned before the batch in flight finished")
	}
	testkit.Eventually(t, wait, func() bool {
		info, err := b.JetStream().Consumer(t.Context(), bus.StreamOrder, "test-order")
		return err == nil && info.CachedInfo().NumAckPending == 0 && info.CachedInfo().AckFloor.Stream == 1
	}, "the batch in flight at Stop was not acked")
}

// failID makes a recorder fail the event with id with err.
func failID(id string, err error) func(bus.Message) error {
	return func(m bus.Message) error {
		if m.Event.ID == id {
			return err
		}
		return nil
	}
}

func dlqDepth(t *testing.T, b *bus.Bus) uint64 {
	t.Helper()
	n, err := bus.NewDeadLetters(b).Depth(t.Context())
	if err != nil {
		t.Fatalf("dlq depth: %v", err)
	}
	return n
}

// awaitDeadLetter polls the DLQ until it holds the event with ce-id id.
func awaitDeadLetter(t *testing.T, b *bus.Bus, id string) bus.DeadLetter {
	t.Helper()
	return awaitDeadLetterWhere(t, b, func(dl bus.DeadLetter) bool { return dl.Headers["ce-id"] == id }, id)
}

// awaitDeadLetterOn polls the DLQ until it holds a message from subject.
func awaitDeadLetterOn(t *testing.T, b *bus.Bus, subject string) bus.DeadLetter {
	t.Helper()
	return awaitDeadLetterWhere(t, b, func(dl bus.DeadLetter) bool { return dl.Subject == subject }, subject)
}

func awaitDeadLetterWhere(t *testing.T, b *bus.Bus, match func(bus.DeadLetter) bool, what string) bus.DeadLetter {
	t.Helper()
	var found bus.DeadLetter
	testkit.EventuallyErr(t, wait, func() error {
		dls, err := bus.NewDeadLetters(b).List(t.Context(), bus.DLQFilter{})
		if err != nil {
			return err
		}
		for _, dl := range dls {
			if match(dl) {
				found = dl
				return nil
			}
		}
		return fmt.Errorf("no dead letter for %s among %d", what, len(dls))
	})
	return found
}
