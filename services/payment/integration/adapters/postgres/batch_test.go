package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/services/payment/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

// TestBatchQueuesWritesUntilFlush checks that a batch's reads see its own
// queued writes, that nothing reaches the table before FlushBatch, and that
// the flushed state is the last one queued.
func TestBatchQueuesWritesUntilFlush(t *testing.T) {
	t.Parallel()
	pool := open(t)
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	id := newID(t)
	ctx := postgres.WithBatch(t.Context(), &postgres.Batch{OrderIDs: []string{id, "not-a-uuid"}})
	err := pgx.BeginFunc(ctx, pool, func(ptx pgx.Tx) error {
		tx := postgres.NewTx(ptx)
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
		if err := ptx.QueryRow(ctx, `SELECT count(*) FROM payments`).Scan(&n); err != nil || n != 0 {
			t.Errorf("rows before flush = %d (%v), want 0: writes are queued", n, err)
		}
		got, err := tx.GetForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if err := got.Capture(at.Add(time.Minute)); err != nil {
			return err
		}
		if err := tx.Update(ctx, got); err != nil {
			return err
		}
		return postgres.FlushBatch(ctx, ptx)
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

// TestBatchInsertConflictFailsFlush checks that a payment another
// transaction stored after the batch's read makes the flush fail, so the
// inbox runs the batch again event by event, where the insert reports
// command.ErrChanged.
func TestBatchInsertConflictFailsFlush(t *testing.T) {
	t.Parallel()
	pool := open(t)
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	id := newID(t)
	p, err := domain.Authorised(id, "auth_2", 700, "EUR", at)
	if err != nil {
		t.Fatal(err)
	}
	ctx := postgres.WithBatch(t.Context(), &postgres.Batch{OrderIDs: []string{id}})
	err = pgx.BeginFunc(ctx, pool, func(ptx pgx.Tx) error {
		tx := postgres.NewTx(ptx)
		if _, err := tx.GetForUpdate(ctx, id); !errors.Is(err, command.ErrNotFound) {
			t.Errorf("GetForUpdate: err = %v, want ErrNotFound", err)
		}
		if err := inTx(t, pool, func(ctx context.Context, other command.Tx) error { return other.Insert(ctx, p) }); err != nil {
			t.Fatalf("concurrent insert: %v", err)
		}
		if err := tx.Insert(ctx, p); err != nil {
			return err
		}
		if err := postgres.FlushBatch(ctx, ptx); err == nil {
			t.Error("FlushBatch after a concurrent insert: err = nil, want a conflict")
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("transaction committed")
	}
	err = pgx.BeginFunc(ctx, pool, func(ptx pgx.Tx) error { return postgres.NewTx(ptx).Insert(ctx, p) })
	if !errors.Is(err, command.ErrChanged) {
		t.Errorf("insert in another transaction of the batch: err = %v, want ErrChanged", err)
	}
}
