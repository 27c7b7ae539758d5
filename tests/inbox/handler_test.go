package inbox_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
)

func TestHandlerAppliesEachEventOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		deliveries func(msgs []bus.Message) [][]bus.Message
	}{
		{"batch redelivered", func(m []bus.Message) [][]bus.Message { return [][]bus.Message{m, m} }},
		{"duplicate inside one batch", func(m []bus.Message) [][]bus.Message {
			return [][]bus.Message{append(append([]bus.Message{}, m...), m[0], m[3])}
		}},
		{"batch partly seen before", func(m []bus.Message) [][]bus.Message { return [][]bus.Message{m[:3], m} }},
		{"one by one, twice", func(m []bus.Message) [][]bus.Message {
			var d [][]bus.Message
			for range 2 {
				for i := range m {
					d = append(d, m[i:i+1])
				}
			}
			return d
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool, e := openDB(t), newEffector()
			msgs := messages(t, 6)
			h := inbox.Handler(pool, "test", e.apply)
			for i, batch := range tc.deliveries(msgs) {
				errs := h(t.Context(), batch)
				if diff := cmp.Diff(make([]error, len(batch)), errs, cmp.Comparer(sameError)); diff != "" {
					t.Errorf("delivery %d results (-want +got):\n%s", i, diff)
				}
			}
			if diff := cmp.Diff(once(msgs), effects(t, pool)); diff != "" {
				t.Errorf("effects (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(once(msgs), e.calls); diff != "" {
				t.Errorf("calls of fn (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHandlerIsolatesAFailingMessage fails one message of a batch: its effect
// and inbox row are rolled back, the others commit, and a redelivery of the
// batch applies only the failed one.
func TestHandlerIsolatesAFailingMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		size, fail int
	}{
		{"alone in its batch", 1, 0},
		{"first of five", 5, 0},
		{"middle of five", 5, 2},
		{"last of five", 5, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool, msgs := openDB(t), messages(t, tc.size)
			failed := msgs[tc.fail].Event.ID
			errs := inbox.Handler(pool, "test", newEffector(failed).apply)(t.Context(), msgs)
			want := make([]error, len(msgs))
			want[tc.fail] = errBoom
			if diff := cmp.Diff(want, errs, cmp.Comparer(sameError)); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(once(msgs, failed), effects(t, pool)); diff != "" {
				t.Errorf("effects after failure (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(once(msgs, failed), recorded(t, pool, "test")); diff != "" {
				t.Errorf("inbox after failure (-want +got):\n%s", diff)
			}

			errs = inbox.Handler(pool, "test", newEffector().apply)(t.Context(), msgs)
			if diff := cmp.Diff(make([]error, len(msgs)), errs, cmp.Comparer(sameError)); diff != "" {
				t.Errorf("redelivery results (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(once(msgs), effects(t, pool)); diff != "" {
				t.Errorf("effects after redelivery (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHandlerDeadLettersInvalidEventID(t *testing.T) {
	t.Parallel()
	pool, msgs := openDB(t), messages(t, 3)
	msgs[1].Event.ID = "not-a-uuid"
	errs := inbox.Handler(pool, "test", newEffector().apply)(t.Context(), msgs)
	got := []bool{errs[0] == nil, bus.IsPermanent(errs[1]), errs[2] == nil}
	if diff := cmp.Diff([]bool{true, true, true}, got); diff != "" {
		t.Errorf("ok, permanent, ok (-want +got):\n%s; errors %v", diff, errs)
	}
	if diff := cmp.Diff(once(msgs, "not-a-uuid"), effects(t, pool)); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
}

// TestHandlerFailedCommitFailsEveryMessage violates a deferred constraint, so
// the commit fails after every fn succeeded.
func TestHandlerFailedCommitFailsEveryMessage(t *testing.T) {
	t.Parallel()
	pool, msgs := openDB(t), messages(t, 4)
	_, err := pool.Exec(t.Context(), `CREATE TABLE once_only (k int,
		CONSTRAINT once_only_k UNIQUE (k) DEFERRABLE INITIALLY DEFERRED)`)
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	errs := inbox.Handler(pool, "test", func(ctx context.Context, tx pgx.Tx, _ event.Event) error {
		_, err := tx.Exec(ctx, `INSERT INTO once_only (k) VALUES (1)`)
		return err
	})(t.Context(), msgs)
	for i, err := range errs {
		if err == nil {
			t.Errorf("message %d: nil error after a failed commit", i)
		}
	}
	if diff := cmp.Diff(map[string]int{}, recorded(t, pool, "test")); diff != "" {
		t.Errorf("inbox (-want +got):\n%s", diff)
	}
}

func TestHandleAppliesOnce(t *testing.T) {
	t.Parallel()
	pool, e := openDB(t), newEffector()
	msgs := messages(t, 2)
	for range 2 {
		for _, m := range msgs {
			if err := inbox.Handle(t.Context(), pool, "test", m.Event, e.apply); err != nil {
				t.Fatalf("handle: %v", err)
			}
		}
	}
	if diff := cmp.Diff(once(msgs), effects(t, pool)); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
}

func TestConsumersHaveSeparateInboxes(t *testing.T) {
	t.Parallel()
	pool, msgs := openDB(t), messages(t, 2)
	for _, consumer := range []string{"first", "second"} {
		inbox.Handler(pool, consumer, newEffector().apply)(t.Context(), msgs)
	}
	want := map[string]int{msgs[0].Event.ID: 2, msgs[1].Event.ID: 2}
	if diff := cmp.Diff(want, effects(t, pool)); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
}

// sameError compares errors by identity of what they wrap.
func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return errors.Is(a, b) || errors.Is(b, a)
}

// TestHandlerRecoversFromAnSQLError fails one message with an error from
// PostgreSQL, which aborts the transaction; the savepoint recovers it so the
// other messages still commit.
func TestHandlerRecoversFromAnSQLError(t *testing.T) {
	t.Parallel()
	pool, msgs := openDB(t), messages(t, 4)
	bad := msgs[1].Event.ID
	e := newEffector()
	errs := inbox.Handler(pool, "test", func(ctx context.Context, tx pgx.Tx, ev event.Event) error {
		if ev.ID == bad {
			_, err := tx.Exec(ctx, `SELECT 1 / 0`)
			return err
		}
		return e.apply(ctx, tx, ev)
	})(t.Context(), msgs)
	got := make([]bool, len(errs))
	for i, err := range errs {
		got[i] = err != nil
	}
	if diff := cmp.Diff([]bool{false, true, false, false}, got); diff != "" {
		t.Errorf("failed messages (-want +got):\n%s; errors %v", diff, errs)
	}
	if diff := cmp.Diff(once(msgs, bad), effects(t, pool)); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
}
