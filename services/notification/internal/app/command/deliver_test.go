package command_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/notification/internal/app/command"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

var t0 = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

const orderID = "0193a4d2-0000-7000-8000-000000000001"

func clock() time.Time { return t0 }

// recorded returns a repository holding one recorded notification.
func recorded(t *testing.T) *memRepo {
	t.Helper()
	repo := newMemRepo()
	rec := command.RecordHandler{Repo: repo, Clock: clock}
	final := domain.Final{OrderID: orderID, CustomerID: "alice", Kind: domain.KindConfirmed, TotalCents: 100, Currency: "EUR"}
	for i, want := range []bool{true, false} {
		created, err := rec.Handle(t.Context(), command.Record{EventID: fmt.Sprint("ev-", i), Final: final})
		if err != nil || created != want {
			t.Fatalf("record #%d = %v, %v; want created %v", i, created, err, want)
		}
	}
	return repo
}

func TestDeliverRound(t *testing.T) {
	t.Parallel()
	policy := domain.RetryPolicy{MaxAttempts: 3, Backoff: time.Second, RetryAfter: time.Hour}
	type outcome struct {
		Status   domain.Status
		Attempts int
		Next     time.Time
		Sends    int
		Events   int
	}
	tests := []struct {
		name     string
		sendErr  error
		lostRace bool
		want     outcome
	}{
		{"delivered", nil, false, outcome{domain.StatusSent, 1, time.Time{}, 1, 1}},
		{"failed round backs off", errors.New("boom"), false, outcome{domain.StatusPending, 1, t0.Add(time.Second), 1, 0}},
		{"open breaker postpones without an attempt", fmt.Errorf("x: %w", command.ErrChannelOpen), false,
			outcome{domain.StatusPending, 0, t0.Add(time.Second), 1, 0}},
		{"claimed elsewhere is not sent", nil, true, outcome{domain.StatusPending, 0, t0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			repo := recorded(t)
			repo.lostRace = tc.lostRace
			ch := &fakeChannel{err: tc.sendErr}
			d := command.DeliverHandler{Repo: repo, Channel: ch, Policy: policy, Clock: clock}
			if n, err := d.Due(t.Context()); err != nil || n != 1 {
				t.Fatalf("Due = %d, %v; want 1 read", n, err)
			}
			n := repo.get(orderID)
			got := outcome{n.Status(), n.Attempts(), n.NextAttemptAt(), len(ch.sent), len(repo.sent)}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeliveredEventDescribesTheNotification(t *testing.T) {
	t.Parallel()
	repo := recorded(t)
	d := command.DeliverHandler{Repo: repo, Channel: &fakeChannel{}, Clock: clock}
	if _, err := d.Due(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(repo.sent) != 1 {
		t.Fatalf("events = %d, want 1", len(repo.sent))
	}
	ev := repo.sent[0]
	var got schemas.NotificationSentV1
	if err := json.Unmarshal(ev.Data, &got); err != nil {
		t.Fatal(err)
	}
	want := schemas.NotificationSentV1{NotificationID: orderID, OrderID: orderID, CustomerID: "alice", Kind: "order.confirmed", Channel: "fake"}
	if diff := cmp.Diff(want, got); diff != "" || ev.Type != schemas.TypeNotificationSentV1 || ev.Subject != orderID {
		t.Errorf("event %s about %s, payload (-want +got):\n%s", ev.Type, ev.Subject, diff)
	}
}

func TestDeliveredDuringShutdownIsRecorded(t *testing.T) {
	t.Parallel()
	repo := recorded(t)
	ctx, cancel := context.WithCancel(t.Context())
	d := command.DeliverHandler{Repo: repo, Channel: cancelling{cancel}, Clock: clock}
	if err := d.Handle(ctx, repo.get(orderID)); err != nil {
		t.Fatalf("Handle = %v, want the delivery recorded", err)
	}
	if got := repo.get(orderID).Status(); got != domain.StatusSent {
		t.Errorf("status %s, want SENT", got)
	}
}

// cancelling delivers and then cancels the caller's context, as a shutdown
// arriving just after a delivery does.
type cancelling struct{ cancel context.CancelFunc }

func (cancelling) Name() string { return "fake" }

func (c cancelling) Send(context.Context, command.Message) error {
	c.cancel()
	return nil
}
