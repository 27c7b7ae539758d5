package query_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/pkg/page"
	"github.com/eventshop/eventshop/services/notification/internal/app/query"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// listed records the arguments of the one call and answers with ns or err.
type listed struct {
	customerID string
	limit      int
	ns         []domain.Notification
	err        error
}

func (l *listed) ListForCustomer(_ context.Context, customerID string, _ *query.Position, limit int) ([]domain.Notification, error) {
	l.customerID, l.limit = customerID, limit
	return l.ns, l.err
}

func TestListForCustomer(t *testing.T) {
	t.Parallel()
	n, err := domain.New(domain.Final{OrderID: "0193a4d2-0000-7000-8000-000000000001", CustomerID: "alice",
		Kind: domain.KindConfirmed, TotalCents: 100, Currency: "EUR"}, time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	storeErr := errors.New("mongo down")
	tests := []struct {
		name    string
		repo    *listed
		wantIDs []string
		wantErr error
	}{
		{"the customer's notifications", &listed{ns: []domain.Notification{n}}, []string{n.ID()}, nil},
		{"none", &listed{}, nil, nil},
		{"storage error is wrapped", &listed{err: storeErr}, nil, storeErr},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, _, err := query.ListForCustomer{Repo: tc.repo}.Handle(t.Context(), "alice", page.Request{Limit: 10})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Handle error = %v, want %v", err, tc.wantErr)
			}
			var ids []string
			for _, n := range got {
				ids = append(ids, n.ID())
			}
			if diff := cmp.Diff(tc.wantIDs, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			// one more than the page, to learn whether another follows
			if tc.repo.customerID != "alice" || tc.repo.limit != 11 {
				t.Errorf("listed for %q limit %d, want alice limit 11", tc.repo.customerID, tc.repo.limit)
			}
		})
	}
}

func TestListForCustomerRejectsForeignCursors(t *testing.T) {
	t.Parallel()
	_, _, err := query.ListForCustomer{Repo: &listed{}}.Handle(t.Context(), "alice", page.Request{Limit: 10, After: []string{"x"}})
	if !errors.Is(err, page.ErrInvalid) {
		t.Errorf("err = %v, want page.ErrInvalid", err)
	}
}
