package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/services/order/internal/domain"
)

func TestUpdateStoresTransitionWithEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		apply  func(*domain.Order) error
		status domain.Status
		event  string
	}{
		{"confirm", func(o *domain.Order) error { return o.Confirm(time.Now()) }, domain.StatusConfirmed, "order.confirmed.v1"},
		{"reject", func(o *domain.Order) error { return o.Reject("out_of_stock", time.Now()) }, domain.StatusRejected, "order.rejected.v1"},
		{"cancel", func(o *domain.Order) error { return o.Cancel(domain.ReasonCustomer, time.Now()) }, domain.StatusCancelled, "order.cancelled.v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			pool, repo := open(t)
			o := newOrder(t, "alice")
			if err := repo.Add(ctx, o, nil); err != nil {
				t.Fatal(err)
			}
			if err := repo.Update(ctx, o.ID(), tt.apply); err != nil {
				t.Fatal(err)
			}
			got, err := repo.Get(ctx, o.ID())
			if err != nil {
				t.Fatal(err)
			}
			if got.Status() != tt.status {
				t.Errorf("status = %s, want %s", got.Status(), tt.status)
			}
			want := []string{"order.placed.v2", tt.event}
			if diff := cmp.Diff(want, outboxTypes(t, pool, o.ID().String())); diff != "" {
				t.Errorf("outbox (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUpdateErrorStoresNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, repo := open(t)
	o := newOrder(t, "alice")
	if err := repo.Add(ctx, o, nil); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := repo.Update(ctx, o.ID(), func(o *domain.Order) error {
		if err := o.Confirm(time.Now()); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	got, err := repo.Get(ctx, o.ID())
	if err != nil || got.Status() != domain.StatusPending {
		t.Errorf("after a failed update: %v, %v; want PENDING", got.Status(), err)
	}
	if n := len(outboxTypes(t, pool, o.ID().String())); n != 1 {
		t.Errorf("outbox has %d events, want 1", n)
	}
	if err := repo.Update(ctx, newOrder(t, "alice").ID(), func(*domain.Order) error { return nil }); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Update unknown = %v, want ErrNotFound", err)
	}
}

func TestUpdateExpiredSkipsLockedAndYoungOrders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, repo := open(t)
	var orders []*domain.Order
	for range 3 {
		o := newOrder(t, "alice")
		if err := repo.Add(ctx, o, nil); err != nil {
			t.Fatal(err)
		}
		orders = append(orders, o)
	}
	cutoff := time.Now()
	young := newOrder(t, "alice")
	if err := repo.Add(ctx, young, nil); err != nil {
		t.Fatal(err)
	}
	// Another replica holds the first order.
	held, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = held.Rollback(ctx) }()
	if _, err := held.Exec(ctx, `SELECT 1 FROM orders WHERE id = $1 FOR UPDATE`, orders[0].ID()); err != nil {
		t.Fatal(err)
	}
	cancel := func(o *domain.Order) error { return o.Cancel(domain.ReasonTimeout, time.Now()) }
	n, err := repo.UpdateExpired(ctx, cutoff, 10, cancel)
	if err != nil || n != 2 {
		t.Fatalf("UpdateExpired = %d, %v; want 2", n, err)
	}
	want := map[string]domain.Status{
		orders[0].ID().String(): domain.StatusPending, orders[1].ID().String(): domain.StatusCancelled,
		orders[2].ID().String(): domain.StatusCancelled, young.ID().String(): domain.StatusPending,
	}
	got := map[string]domain.Status{}
	for _, o := range append(orders, young) {
		s, err := repo.Get(ctx, o.ID())
		if err != nil {
			t.Fatal(err)
		}
		got[o.ID().String()] = s.Status()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"order.placed.v2", "order.cancelled.v1"}, outboxTypes(t, pool, orders[1].ID().String())); diff != "" {
		t.Errorf("outbox (-want +got):\n%s", diff)
	}
}

func TestListByCustomerNewestFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, repo := open(t)
	var want []string
	for range 3 {
		o := newOrder(t, "alice")
		if err := repo.Add(ctx, o, nil); err != nil {
			t.Fatal(err)
		}
		want = append([]string{o.ID().String()}, want...)
	}
	if err := repo.Add(ctx, newOrder(t, "bob"), nil); err != nil {
		t.Fatal(err)
	}
	list, err := repo.ListByCustomer(ctx, "alice", nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range list {
		got = append(got, o.ID().String())
	}
	if diff := cmp.Diff(want[:2], got); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
}
