package bus_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/testkit"
)

// deadLetters fills the DLQ through two consumers that reject everything:
// alpha reads all order events, beta only order.rejected ones. It returns
// the events published (two rejected, one cancelled).
func deadLetters(t *testing.T, b *bus.Bus) []event.Event {
	t.Helper()
	reject := func(m bus.Message) error { return bus.Permanent(errors.New("rejected by " + m.Stream)) }
	alpha := consume(t, b, bus.ConsumerConfig{Service: "alpha", Subjects: []string{"order.>"}}, newRecorder(reject).handle)
	beta := consume(t, b, bus.ConsumerConfig{Service: "beta"}, newRecorder(reject).handle)
	evs := []event.Event{rejected(t, "out_of_stock"), rejected(t, "out_of_stock"), cancelled(t)}
	publish(t, b, evs...)
	testkit.Eventually(t, wait, func() bool { return dlqDepth(t, b) == 5 }, "DLQ never reached 5 dead letters")
	alpha.Stop()
	beta.Stop()
	return evs
}

func cancelled(t *testing.T) event.Event {
	t.Helper()
	orderID := uuid.Must(uuid.NewV7()).String()
	ev, err := event.New("order", schemas.TypeOrderCancelledV1, orderID,
		schemas.OrderCancelledV1{OrderID: orderID, CustomerID: "bob", Reason: "customer"})
	if err != nil {
		t.Fatalf("new event: %v", err)
	}
	return ev
}

func TestDeadLettersList(t *testing.T) {
	t.Parallel()
	_, b := connect(t)
	deadLetters(t, b)
	dlq := bus.NewDeadLetters(b)
	tests := []struct {
		filter bus.DLQFilter
		want   int
	}{
		{bus.DLQFilter{}, 5},
		{bus.DLQFilter{Service: "alpha"}, 3},
		{bus.DLQFilter{Type: "order.cancelled.v1"}, 1},
		{bus.DLQFilter{Service: "beta", Type: "order.rejected.v1"}, 2},
		{bus.DLQFilter{Service: "gamma"}, 0},
		{bus.DLQFilter{Limit: 2}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.filter.Service+"/"+tt.filter.Type, func(t *testing.T) {
			got, err := dlq.List(t.Context(), tt.filter)
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			if len(got) != tt.want {
				t.Fatalf("listed %d dead letters, want %d", len(got), tt.want)
			}
			for _, dl := range got {
				if (tt.filter.Service != "" && dl.Service != tt.filter.Service) || (tt.filter.Type != "" && dl.Type != tt.filter.Type) {
					t.Errorf("dead letter %d (%s, %s) does not match the filter", dl.ID, dl.Service, dl.Type)
				}
			}
		})
	}
}

func TestDeadLettersGet(t *testing.T) {
	t.Parallel()
	_, b := connect(t)
	evs := deadLetters(t, b)
	dlq := bus.NewDeadLetters(b)
	listed, err := dlq.List(t.Context(), bus.DLQFilter{Service: "alpha", Type: "order.cancelled.v1"})
	if err != nil || len(listed) != 1 {
		t.Fatalf("list: %d dead letters, error %v", len(listed), err)
	}
	got, err := dlq.Get(t.Context(), listed[0].ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	want := bus.DeadLetter{
		ID:         listed[0].ID,
		Service:    "alpha",
		Type:       "order.cancelled.v1",
		Subject:    evs[2].NATSSubject(),
		Error:      "rejected by ORDER",
		Deliveries: 1,
		Payload:    evs[2].Data,
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(bus.DeadLetter{}, "Time", "Headers")); diff != "" {
		t.Errorf("dead letter (-want +got):\n%s", diff)
	}
	for k, v := range map[string]string{"ce-id": evs[2].ID, "dlq-stream": "ORDER", "dlq-consumer": "alpha-order", "dlq-service": "alpha"} {
		if got.Headers[k] != v {
			t.Errorf("header %s = %q, want %q", k, got.Headers[k], v)
		}
	}
	if _, err := dlq.Get(t.Context(), 9999); !errors.Is(err, bus.ErrNotFound) {
		t.Errorf("get of a missing dead letter: %v, want ErrNotFound", err)
	}
}

func TestDeadLettersReplay(t *testing.T) {
	t.Parallel()
	_, b := connect(t)
	evs := deadLetters(t, b)
	dlq := bus.NewDeadLetters(b)
	listed, err := dlq.List(t.Context(), bus.DLQFilter{Service: "alpha", Type: "order.cancelled.v1"})
	if err != nil || len(listed) != 1 {
		t.Fatalf("list: %d dead letters, error %v", len(listed), err)
	}
	if err := dlq.Replay(t.Context(), listed[0].ID); err != nil {
		t.Fatalf("replay: %v", err)
	}

	if _, err := dlq.Get(t.Context(), listed[0].ID); !errors.Is(err, bus.ErrNotFound) {
		t.Errorf("replayed dead letter still there: %v", err)
	}
	stream, err := b.JetStream().Stream(t.Context(), bus.StreamOrder)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	raw, err := stream.GetLastMsgForSubject(t.Context(), evs[2].NATSSubject())
	if err != nil {
		t.Fatalf("get replayed message: %v", err)
	}
	replayed, err := bus.EventFromMsg(raw.Subject, raw.Header, raw.Data)
	if err != nil {
		t.Fatalf("replayed event: %v", err)
	}
	if replayed.ID == evs[2].ID || raw.Header.Get("Nats-Msg-Id") != replayed.ID {
		t.Errorf("replayed with ce-id %q and Nats-Msg-Id %q, want a new id in both", replayed.ID, raw.Header.Get("Nats-Msg-Id"))
	}
	if got := raw.Header.Get("dlq-replay-of"); got != evs[2].ID {
		t.Errorf("dlq-replay-of = %q, want %q", got, evs[2].ID)
	}
	want := evs[2]
	want.ID = replayed.ID
	if diff := cmp.Diff(want, replayed); diff != "" {
		t.Errorf("replayed event (-want +got):\n%s", diff)
	}
	if err := dlq.Replay(t.Context(), listed[0].ID); !errors.Is(err, bus.ErrNotFound) {
		t.Errorf("second replay: %v, want ErrNotFound", err)
	}
}

func TestDeadLettersDiscard(t *testing.T) {
	t.Parallel()
	_, b := connect(t)
	deadLetters(t, b)
	dlq := bus.NewDeadLetters(b)
	listed, err := dlq.List(t.Context(), bus.DLQFilter{Service: "beta"})
	if err != nil || len(listed) != 2 {
		t.Fatalf("list: %d dead letters, error %v", len(listed), err)
	}
	if err := dlq.Discard(t.Context(), listed[0].ID); err != nil {
		t.Fatalf("discard: %v", err)
	}
	if _, err := dlq.Get(t.Context(), listed[0].ID); !errors.Is(err, bus.ErrNotFound) {
		t.Errorf("discarded dead letter still there: %v", err)
	}
	if depth := dlqDepth(t, b); depth != 4 {
		t.Errorf("depth %d after a discard, want 4", depth)
	}
	if err := dlq.Discard(t.Context(), listed[0].ID); !errors.Is(err, bus.ErrNotFound) {
		t.Errorf("second discard: %v, want ErrNotFound", err)
	}
}
