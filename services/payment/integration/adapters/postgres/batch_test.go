package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/inbox"
	"github.com/eventshop/eventshop/services/payment/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

// handleInBatch runs fn as the inbox handler of one event for orders, with
// a postgres.Batch naming them prefetched (inbox.PrefetchHandler) and the
// event's command.Tx taken from it, as the payment consumers do. It
// returns the event's result.
func handleInBatch(t *testing.T, pool *pgxpool.Pool, orders []string, fn func(ctx context.Context, ptx pgx.Tx, tx command.Tx) error) error {
	t.Helper()
	msg := bus.Message{Event: event.Event{ID: uuid.NewString()}, Delivered: 1}
	newBatch := func([]bus.Message) *postgres.Batch { return postgres.NewBatch(orders, nil) }
	h := inbox.PrefetchHandler(pool, "batch-test", newBatch, func(ctx context.Context, ptx pgx.Tx, b *postgres.Batch, _ event.Event) error {
		return fn(ctx, ptx, b.Tx(ptx))
	})
	return h(t.Context(), []bus.Message{msg})[0]
}

// TestBatchQueuesWritesUntilCommit checks that a batch's reads see its own
// queued writes, that nothing reaches the table before the commit, and
// that the committed state is the last one queued.
func TestBatchQueuesWritesUntilCommit(t *testing.T) {
	t.Parallel()
	pool := open(t)
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	id := newID(t)
	err := handleInBatch(t, pool, []string{id, "not-a-uuid"}, func(ctx context.Context, ptx pgx.Tx, tx command.Tx) error {
		if _, err := tx.GetForUpdate(ctx, id); !errors.Is(err, command.ErrNotFound) {
			t.Errorf("GetForUpdate before insert: err = %v, want ErrNotFound", err)
		}
		if _, err := tx.GetForUpdate(ctx, "not-a-uuid"); !errors.Is(err, command.ErrNotFound) {
			t.Errorf("GetForUpdate(not-a-uuid): err = %v, want ErrNotFound", err)
		}
		p, err := domain.Authorised(id, "auth_1", 500, "EUR", at)
		if err != nil {
			return err
		}
		if err := tx.Insert(ctx, p); err != nil {
			return err
		}
		var n int
		if err := ptx.QueryRow(ctx, `SELECT count(*) FROM payments WHERE order_id = $1`, id).Scan(&n); err != nil || n != 0 {
			t.Errorf("rows before commit = %d (%v), want 0: writes are queued", n, err)
		}
		got, err := tx.GetForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if err := got.Capture(at.Add(time.Minute)); err != nil {
			return err
		}
		return tx.Update(ctx, got)
	})
	if err != nil {
		t.Fatalf("batch: %v", err)
	}
	got, err := postgres.NewPayments(pool).Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Snapshot{OrderID: id, AuthID: "auth_1", AmountCents: 500, Currency: "EUR",
		Status: domain.StatusCaptured, CreatedAt: at, UpdatedAt: at.Add(time.Minute)}
	if diff := cmp.Diff(want, got.Snapshot()); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
}

// TestBatchInsertConflictFailsCommit checks that a payment another
// transaction stored after the batch's read makes the commit fail, so the
// inbox runs the batch again event by event, where the insert reports
// command.ErrChanged.
func TestBatchInsertConflictFailsCommit(t *testing.T) {
	t.Parallel()
	pool := open(t)
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	id := newID(t)
	p, err := domain.Authorised(id, "auth_2", 700, "EUR", at)
	if err != nil {
		t.Fatal(err)
	}
	runs := 0
	err = handleInBatch(t, pool, []string{id}, func(ctx context.Context, _ pgx.Tx, tx command.Tx) error {
		runs++
		if runs == 1 {
			if _, err := tx.GetForUpdate(ctx, id); !errors.Is(err, command.ErrNotFound) {
				t.Errorf("GetForUpdate: err = %v, want ErrNotFound", err)
			}
			if err := inTx(t, pool, func(ctx context.Context, other command.Tx) error { return other.Insert(ctx, p) }); err != nil {
				t.Fatalf("concurrent insert: %v", err)
			}
		}
		return tx.Insert(ctx, p)
	})
	if runs != 2 {
		t.Errorf("runs = %d, want 2: a failed commit runs the batch again", runs)
	}
	if !errors.Is(err, command.ErrChanged) {
		t.Errorf("insert in the second run: err = %v, want ErrChanged", err)
	}
}
