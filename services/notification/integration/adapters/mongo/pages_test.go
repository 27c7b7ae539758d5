package mongo_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/eventshop/eventshop/pkg/page"
	"github.com/eventshop/eventshop/services/notification/internal/app/query"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
	"github.com/eventshop/eventshop/testkit/pagetest"
)

// TestListForCustomerPagesEveryNotificationOnceWhileNotificationsArrive
// pages through a customer's notifications on the real store, with pairs
// that share a creation time (the id breaks the tie) and new notifications
// written between page reads.
func TestListForCustomerPagesEveryNotificationOnceWhileNotificationsArrive(t *testing.T) {
	t.Parallel()
	r, _ := repo(t)
	add := func(customer string, at time.Time) string {
		n := notification(t, customer, domain.KindConfirmed, at)
		if _, err := r.Add(t.Context(), n, "ev"); err != nil {
			t.Fatal(err)
		}
		return n.ID()
	}
	var want, added []string
	for i := range 8 {
		want = append(want, add("alice", t0.Add(time.Duration(i/2)*time.Second)))
	}
	add("bob", t0)
	list := query.ListForCustomer{Repo: r}
	got := pagetest.Walk(t, func(cursor string) pagetest.Page {
		req, err := page.Parse(url.Values{"limit": {"3"}, "cursor": {cursor}})
		if err != nil {
			t.Fatal(err)
		}
		ns, next, err := list.Handle(t.Context(), "alice", req)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, n := range ns {
			ids = append(ids, n.ID())
		}
		return pagetest.Page{IDs: ids, Next: next}
	}, func() { added = append(added, add("alice", time.Now())) })
	if len(added) != 2 {
		t.Errorf("%d pages after the first, want 2 (8 notifications, 3 a page)", len(added))
	}
	pagetest.ExactlyOnce(t, got, want, added)
}
