package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

var now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestNewValidates(t *testing.T) {
	t.Parallel()
	ok := domain.Final{OrderID: "o-1", CustomerID: "alice", Kind: domain.KindConfirmed, TotalCents: 2505, Currency: "EUR"}
	tests := []struct {
		name    string
		change  func(*domain.Final)
		wantErr bool
	}{
		{"confirmed", func(*domain.Final) {}, false},
		{"rejected", func(f *domain.Final) { f.Kind, f.Reason = domain.KindRejected, "out_of_stock" }, false},
		{"no order", func(f *domain.Final) { f.OrderID = " " }, true},
		{"no customer", func(f *domain.Final) { f.CustomerID = "" }, true},
		{"unknown kind", func(f *domain.Final) { f.Kind = "order.placed" }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := ok
			tc.change(&f)
			n, err := domain.New(f, now)
			if got := errors.Is(err, domain.ErrInvalid); got != tc.wantErr {
				t.Fatalf("New error = %v, want invalid %v", err, tc.wantErr)
			}
			if err == nil && (n.Status() != domain.StatusPending || n.ID() != f.OrderID || !n.NextAttemptAt().Equal(now)) {
				t.Errorf("New = %+v, want a PENDING notification of %s due now", n.Snapshot(), f.OrderID)
			}
		})
	}
}

func TestTextTellsTheFinalState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		final domain.Final
		want  string
	}{
		{domain.Final{OrderID: "o-1", CustomerID: "a", Kind: domain.KindConfirmed, TotalCents: 2505, Currency: "EUR"}, "25.05 EUR"},
		{domain.Final{OrderID: "o-1", CustomerID: "a", Kind: domain.KindRejected, Reason: "out_of_stock"}, "(out of stock)"},
		{domain.Final{OrderID: "o-1", CustomerID: "a", Kind: domain.KindCancelled, Reason: "payment_failed"}, "cancelled (payment failed)"},
	}
	for _, tc := range tests {
		n, err := domain.New(tc.final, now)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(n.Body(), tc.want) || !strings.Contains(n.Body(), "o-1") {
			t.Errorf("%s body %q lacks %q", tc.final.Kind, n.Body(), tc.want)
		}
	}
}

func TestDeliveryFailuresBackOffThenFail(t *testing.T) {
	t.Parallel()
	n, err := domain.New(domain.Final{OrderID: "o-1", CustomerID: "a", Kind: domain.KindCancelled}, now)
	if err != nil {
		t.Fatal(err)
	}
	p := domain.RetryPolicy{MaxAttempts: 3, Backoff: time.Second, RetryAfter: time.Hour}
	type step struct {
		Status   domain.Status
		Attempts int
		Next     time.Duration
	}
	var got []step
	for range 4 {
		if err := n.DeliveryFailed("boom", now, p); err != nil {
			t.Fatal(err)
		}
		got = append(got, step{n.Status(), n.Attempts(), n.NextAttemptAt().Sub(now)})
	}
	want := []step{
		{domain.StatusPending, 1, time.Second},
		{domain.StatusPending, 2, 2 * time.Second},
		{domain.StatusFailed, 3, time.Hour},
		{domain.StatusFailed, 4, time.Hour},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rounds (-want +got):\n%s", diff)
	}
	if err := n.Delivered("log", now); err != nil || n.Status() != domain.StatusSent || n.Attempts() != 5 {
		t.Fatalf("Delivered = %v, status %s, attempts %d", err, n.Status(), n.Attempts())
	}
	for name, err := range map[string]error{
		"delivered": n.Delivered("log", now), "failed": n.DeliveryFailed("x", now, p), "postponed": n.Postpone(now),
	} {
		if !errors.Is(err, domain.ErrAlreadySent) {
			t.Errorf("%s after SENT: %v, want ErrAlreadySent", name, err)
		}
	}
}

func TestRestoreRoundTrips(t *testing.T) {
	t.Parallel()
	n, err := domain.New(domain.Final{OrderID: "o-1", CustomerID: "a", Kind: domain.KindRejected, Reason: "x"}, now)
	if err != nil {
		t.Fatal(err)
	}
	back, err := domain.Restore(n.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(n.Snapshot(), back.Snapshot()); diff != "" {
		t.Errorf("restored (-want +got):\n%s", diff)
	}
	bad := n.Snapshot()
	bad.Status = "LOST"
	if _, err := domain.Restore(bad); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("Restore of unknown status: %v, want ErrInvalid", err)
	}
}
