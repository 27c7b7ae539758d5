package command_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/eventshop/eventshop/services/notification/internal/app/command"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// TestRecordHandsTheFirstRoundOver records one order's notification twice
// with FirstRound set: the one new notification is handed over once and
// stored claimed for the lease, so a sweep before the lease ends finds
// nothing due, and one after it finds it.
func TestRecordHandsTheFirstRoundOver(t *testing.T) {
	t.Parallel()
	repo := newMemRepo()
	var handed []domain.Notification
	rec := command.RecordHandler{Repo: repo, Clock: clock, Lease: 30 * time.Second,
		FirstRound: func(_ context.Context, n domain.Notification) { handed = append(handed, n) }}
	final := domain.Final{OrderID: orderID, CustomerID: "alice", Kind: domain.KindRejected, Reason: "no stock"}
	for i := range 2 {
		if _, err := rec.Handle(t.Context(), command.Record{EventID: fmt.Sprint("ev-", i), Final: final}); err != nil {
			t.Fatal(err)
		}
	}
	if len(handed) != 1 || handed[0].ID() != orderID {
		t.Fatalf("handed over %d notifications, want the order's one once", len(handed))
	}
	if got := repo.get(orderID).NextAttemptAt(); !got.Equal(t0.Add(30 * time.Second)) {
		t.Errorf("stored due at %s, want at the end of the lease %s", got, t0.Add(30*time.Second))
	}
	for _, tc := range []struct {
		at   time.Time
		want int
	}{{t0.Add(29 * time.Second), 0}, {t0.Add(30 * time.Second), 1}} {
		due, err := repo.Due(t.Context(), tc.at, 10)
		if err != nil || len(due) != tc.want {
			t.Errorf("due at %s = %d, %v; want %d", tc.at, len(due), err, tc.want)
		}
	}
}

// TestHandleClaimedDeliversWithoutAClaim delivers a handed-over first round:
// the channel gets the message and the notification is stored SENT, while
// a claim would have failed.
func TestHandleClaimedDeliversWithoutAClaim(t *testing.T) {
	t.Parallel()
	repo := recorded(t)
	repo.lostRace = true
	ch := &fakeChannel{}
	d := command.DeliverHandler{Repo: repo, Channel: ch, Clock: clock}
	if err := d.HandleClaimed(t.Context(), repo.get(orderID)); err != nil {
		t.Fatal(err)
	}
	if len(ch.sent) != 1 || repo.get(orderID).Status() != domain.StatusSent || len(repo.sent) != 1 {
		t.Errorf("sent %d messages, status %s, %d events; want 1, SENT, 1", len(ch.sent), repo.get(orderID).Status(), len(repo.sent))
	}
}

// TestLateSecondRoundQueuesTheSameEvent runs two rounds of one pending
// notification, as when a round outlives its lease: both events carry one
// id, so the stream keeps one.
func TestLateSecondRoundQueuesTheSameEvent(t *testing.T) {
	t.Parallel()
	repo := recorded(t)
	pending := repo.get(orderID)
	d := command.DeliverHandler{Repo: repo, Channel: &fakeChannel{}, Clock: clock}
	for range 2 {
		if err := d.HandleClaimed(t.Context(), pending); err != nil {
			t.Fatal(err)
		}
	}
	if len(repo.sent) != 2 || repo.sent[0].ID != repo.sent[1].ID {
		t.Errorf("events %+v, want two with one id", repo.sent)
	}
}
