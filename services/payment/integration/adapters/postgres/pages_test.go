package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/eventshop/eventshop/pkg/page"
	"github.com/eventshop/eventshop/services/payment/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/app/query"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
	"github.com/eventshop/eventshop/testkit/pagetest"
)

func TestListPaymentsPagesEveryPaymentOnceWhilePaymentsArrive(t *testing.T) {
	t.Parallel()
	pool := open(t)
	base := time.Date(2026, 5, 6, 7, 0, 0, 0, time.UTC)
	insert := func(at time.Time) string {
		id := newID(t)
		p, err := domain.Authorised(id, "a", 100, "EUR", at)
		if err != nil {
			t.Fatal(err)
		}
		if err := inTx(t, pool, func(ctx context.Context, tx command.Tx) error { return tx.Insert(ctx, p) }); err != nil {
			t.Fatal(err)
		}
		return id
	}
	var want, added []string
	for i := range 8 {
		// pairs share a time, so the order id breaks the tie
		want = append(want, insert(base.Add(time.Duration(i/2)*time.Second)))
	}
	list := query.ListPayments{Payments: postgres.NewPayments(pool)}
	got := pagetest.Walk(t, func(cursor string) pagetest.Page {
		r := page.Request{Limit: 3}
		if cursor != "" {
			var err error
			if r, err = page.Parse(map[string][]string{"limit": {"3"}, "cursor": {cursor}}); err != nil {
				t.Fatal(err)
			}
		}
		ps, next, err := list.Handle(t.Context(), "", r)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.OrderID())
		}
		return pagetest.Page{IDs: ids, Next: next}
	}, func() { added = append(added, insert(time.Now())) })
	if len(added) != 2 {
		t.Errorf("%d pages after the first, want 2 (8 payments, 3 a page)", len(added))
	}
	pagetest.ExactlyOnce(t, got, want, added)
}

func TestListPaymentsRejectsForeignCursors(t *testing.T) {
	t.Parallel()
	list := query.ListPayments{Payments: postgres.NewPayments(open(t))}
	for _, key := range [][]string{{"2026-01-01T00:00:00Z", "not-a-uuid"}, {"yesterday", "0193b1d4-0000-7000-8000-000000000000"}, {"x"}} {
		_, _, err := list.Handle(t.Context(), domain.StatusAuthorised, page.Request{Limit: 3, After: key})
		if !errors.Is(err, page.ErrInvalid) {
			t.Errorf("cursor key %q: err = %v, want page.ErrInvalid", key, err)
		}
	}
}
