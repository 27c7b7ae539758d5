package ports_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/services/order/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/order/internal/domain"
)

func TestSomeoneElsesOrderIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	p := e.place(t, "alice")
	tests := []struct {
		name, user, method, path string
		status                   int
	}{
		{"owner reads", "alice", http.MethodGet, "/api/v1/orders/" + p.ID, http.StatusOK},
		{"admin reads", "admin", http.MethodGet, "/api/v1/orders/" + p.ID, http.StatusOK},
		{"other customer reads", "bob", http.MethodGet, "/api/v1/orders/" + p.ID, http.StatusNotFound},
		{"other customer cancels", "bob", http.MethodPost, "/api/v1/orders/" + p.ID + "/cancel", http.StatusNotFound},
		{"other customer reads timeline", "bob", http.MethodGet, "/api/v1/orders/" + p.ID + "/timeline", http.StatusNotFound},
		{"unknown order", "alice", http.MethodGet, "/api/v1/orders/" + uuid.NewString(), http.StatusNotFound},
		{"id not a uuid", "alice", http.MethodGet, "/api/v1/orders/nope", http.StatusNotFound},
		{"anonymous reads", "", http.MethodGet, "/api/v1/orders/" + p.ID, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, tt.user, tt.method, tt.path, nil)
			if r.Status != tt.status {
				t.Errorf("status = %d, want %d: %s", r.Status, tt.status, r.Body)
			}
		})
	}
	var got placed
	e.do(t, "alice", http.MethodGet, "/api/v1/orders/"+p.ID, nil).decode(t, &got)
	if got.Status != "PENDING" {
		t.Errorf("bob's cancel changed alice's order to %s", got.Status)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pending := e.place(t, "alice")
	r := e.do(t, "alice", http.MethodPost, "/api/v1/orders/"+pending.ID+"/cancel", nil)
	var got placed
	r.decode(t, &got)
	if r.Status != http.StatusOK || got.Status != "CANCELLED" || got.Reason != "customer" {
		t.Fatalf("cancel pending: %d %s", r.Status, r.Body)
	}
	if n := e.count(t, `SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND type = 'order.cancelled.v1'`, pending.ID); n != 1 {
		t.Errorf("order.cancelled.v1 events = %d, want 1", n)
	}
	if r := e.do(t, "alice", http.MethodPost, "/api/v1/orders/"+pending.ID+"/cancel", nil); r.Status != http.StatusConflict {
		t.Errorf("cancel twice: %d %s", r.Status, r.Body)
	}

	confirmed := e.place(t, "alice")
	err := postgres.NewRepository(e.pool, nil).Update(context.Background(), uuid.MustParse(confirmed.ID), func(o *domain.Order) error {
		return o.Confirm(time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	r = e.do(t, "alice", http.MethodPost, "/api/v1/orders/"+confirmed.ID+"/cancel", nil)
	if r.Status != http.StatusConflict || r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("cancel confirmed: %d %s", r.Status, r.Body)
	}
	var after placed
	e.do(t, "alice", http.MethodGet, "/api/v1/orders/"+confirmed.ID, nil).decode(t, &after)
	if after.Status != "CONFIRMED" {
		t.Errorf("confirmed order is now %s", after.Status)
	}
}

func TestListOwnOrdersNewestFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	var want []string
	for range 3 {
		want = append([]string{e.place(t, "alice").ID}, want...)
	}
	e.place(t, "bob")
	r := e.do(t, "alice", http.MethodGet, "/api/v1/orders", nil)
	var list struct {
		Items []placed `json:"items"`
	}
	r.decode(t, &list)
	var got []string
	for _, o := range list.Items {
		got = append(got, o.ID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
}
