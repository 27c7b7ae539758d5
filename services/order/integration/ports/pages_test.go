package ports_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/eventshop/eventshop/testkit/pagetest"
)

// listPage is the body of GET /api/v1/orders.
type listPage struct {
	Items      []placed `json:"items"`
	NextCursor *string  `json:"next_cursor"`
}

func TestListOrdersPagesEveryOrderOnceWhileOrdersArrive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	var want, added []string
	for range 7 {
		want = append(want, e.place(t, "alice").ID)
	}
	e.place(t, "bob")
	got := pagetest.Walk(t, func(cursor string) pagetest.Page {
		r := e.do(t, "alice", http.MethodGet, "/api/v1/orders?limit=3&cursor="+url.QueryEscape(cursor), nil)
		if r.Status != http.StatusOK {
			t.Fatalf("list: status %d: %s", r.Status, r.Body)
		}
		var p listPage
		r.decode(t, &p)
		var ids []string
		for _, o := range p.Items {
			ids = append(ids, o.ID)
		}
		if p.NextCursor != nil && *p.NextCursor == "" {
			t.Error("next_cursor is empty instead of absent")
		}
		next := ""
		if p.NextCursor != nil {
			next = *p.NextCursor
		}
		return pagetest.Page{IDs: ids, Next: next}
	}, func() { added = append(added, e.place(t, "alice").ID) })
	if len(added) != 2 {
		t.Errorf("%d pages after the first, want 2 (7 orders, 3 a page)", len(added))
	}
	pagetest.ExactlyOnce(t, got, want, added)
}

func TestListOrdersRejectsBadPageRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, query := range []string{"limit=0", "limit=501", "limit=x", "cursor=not-a-cursor", "cursor=WyJ4IiwieSJd"} {
		t.Run(query, func(t *testing.T) {
			r := e.do(t, "alice", http.MethodGet, "/api/v1/orders?"+query, nil)
			if r.Status != http.StatusBadRequest || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("status %d, content type %q: %s; want a 400 problem", r.Status, r.Header.Get("Content-Type"), r.Body)
			}
		})
	}
}
