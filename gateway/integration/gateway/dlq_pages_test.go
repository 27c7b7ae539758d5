package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/testkit"
	"github.com/eventshop/eventshop/testkit/pagetest"
)

// deadLetterer writes dead letters to the DLQ stream as a consumer of the
// platform would.
type deadLetterer struct {
	t  *testing.T
	js jetstream.JetStream
	n  int
}

// add stores one dead letter of service and returns its id.
func (d *deadLetterer) add(service string) string {
	d.t.Helper()
	d.n++
	h := nats.Header{}
	h.Set(bus.HeaderDLQService, service)
	h.Set(bus.HeaderDLQError, "ledger is read-only")
	h.Set(bus.HeaderType, "order.cancelled.v1")
	h.Set(bus.HeaderMsgID, "dlq-test-"+strconv.Itoa(d.n))
	ack, err := d.js.PublishMsg(d.t.Context(), &nats.Msg{Subject: "dlq." + service + ".order.cancelled.v1", Header: h, Data: []byte(`{}`)})
	if err != nil {
		d.t.Fatal(err)
	}
	return strconv.FormatUint(ack.Sequence, 10)
}

func TestDLQPagesEveryDeadLetterOnceWhileDeadLettersArrive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := testkit.NATS(t)
	b, err := bus.Connect(ctx, srv.URL(), "gateway-test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if err := b.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	dl := &deadLetterer{t: t, js: js}
	var want, added []string
	for i := range 7 {
		want = append(want, dl.add("billing"))
		if i%3 == 0 {
			dl.add("shipping") // filtered out
		}
	}
	h := newHarness(t, testConfig(), b)
	admin := bearer(h.token(t, "admin"))
	got := pagetest.Walk(t, func(cursor string) pagetest.Page {
		resp, body := h.do(t, "GET", "/api/v1/admin/dlq?service=billing&limit=3&cursor="+url.QueryEscape(cursor), "", admin)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("list: status %d: %s", resp.StatusCode, body)
		}
		var p struct {
			Items []struct {
				ID uint64 `json:"id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatalf("list: %v: %s", err, body)
		}
		var ids []string
		for _, it := range p.Items {
			ids = append(ids, strconv.FormatUint(it.ID, 10))
		}
		return pagetest.Page{IDs: ids, Next: p.NextCursor}
	}, func() {
		added = append(added, dl.add("billing"))
		dl.add("shipping")
	})
	pagetest.ExactlyOnce(t, got, want, added)
	// oldest first: what arrives while paging is read on a later page
	for _, id := range added {
		if !slices.Contains(got, id) {
			t.Errorf("dead letter %s, added while paging, was not listed", id)
		}
	}
	for _, query := range []string{"limit=0", "limit=501", "cursor=%21", "cursor=WyJ4Il0"} {
		if resp, body := h.do(t, "GET", "/api/v1/admin/dlq?"+query, "", admin); resp.StatusCode != http.StatusBadRequest ||
			resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("?%s: status %d: %s; want a 400 problem", query, resp.StatusCode, body)
		}
	}
}
