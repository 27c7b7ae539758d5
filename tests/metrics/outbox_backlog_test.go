package metrics_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/testkit"
)

// TestOutboxBacklogReadsTheTable writes unsent and sent rows into a real
// outbox table and checks the backlog and the age of the oldest unsent
// row that /metrics serves.
func TestOutboxBacklogReadsTheTable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := pgdb.Open(ctx, testkit.Postgres(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	reg := httpserver.NewRegistry("shop")
	reg.Registerer().MustRegister(pgdb.NewOutboxBacklog(pool))
	srv := httpserver.New(slog.New(slog.DiscardHandler), "shop", httpserver.WithRegistry(reg))
	hs := httptest.NewServer(srv.Echo)
	t.Cleanup(hs.Close)

	if got := scrape(t, hs.URL, "eventshop_outbox_backlog"); !slices.Contains(got, `eventshop_outbox_backlog{service="shop"} 0`) {
		t.Errorf("empty outbox: %v, want a backlog of 0", got)
	}
	insert := `INSERT INTO outbox (event_id, aggregate_id, type, source, subject, event_time, payload, created_at, sent_at)
		VALUES ($1, 'a', 'order.rejected.v1', 'order', 'a', now(), '{}', now() - $2::interval, $3)`
	rows := []struct {
		age  string
		sent *time.Time
	}{{"90 seconds", nil}, {"10 seconds", nil}, {"1 hour", ptr(time.Now())}}
	for _, r := range rows {
		if _, err := pool.Exec(ctx, insert, uuid.NewString(), r.age, r.sent); err != nil {
			t.Fatal(err)
		}
	}
	if got := scrape(t, hs.URL, "eventshop_outbox_backlog"); !slices.Contains(got, `eventshop_outbox_backlog{service="shop"} 2`) {
		t.Errorf("two unsent rows and a sent one: %v, want a backlog of 2", got)
	}
	age := scrape(t, hs.URL, "eventshop_outbox_oldest_unsent_age_seconds")
	var seconds float64
	if len(age) != 1 || !scanValue(age[0], &seconds) || seconds < 90 || seconds > 90+60 {
		t.Errorf("oldest unsent age %v, want 90 s (within the test's minute)", age)
	}
}

func ptr[T any](v T) *T { return &v }

// scanValue reads the value of a sample line.
func scanValue(line string, v *float64) bool {
	var err error
	*v, err = strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
	return err == nil
}
