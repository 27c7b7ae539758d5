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

	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/services/payment/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/app/query"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
	"github.com/eventshop/eventshop/services/payment/migrations"
	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func open(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgdb.Open(t.Context(), testkit.Postgres(t), migrations.FS)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// inTx runs fn in a committed transaction through the adapter.
func inTx(t *testing.T, pool *pgxpool.Pool, fn func(ctx context.Context, tx command.Tx) error) error {
	t.Helper()
	return pgx.BeginFunc(t.Context(), pool, func(tx pgx.Tx) error { return fn(t.Context(), postgres.NewTx(tx)) })
}

func newID(t *testing.T) string {
	t.Helper()
	return uuid.Must(uuid.NewV7()).String()
}

func TestInsertGetUpdate(t *testing.T) {
	t.Parallel()
	pool := open(t)
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	id := newID(t)
	p, err := domain.Authorised(id, "auth_9", 1234, "EUR", at)
	if err != nil {
		t.Fatal(err)
	}
	if err := inTx(t, pool, func(ctx context.Context, tx command.Tx) error { return tx.Insert(ctx, p) }); err != nil {
		t.Fatalf("insert: %v", err)
	}
	err = inTx(t, pool, func(ctx context.Context, tx command.Tx) error { return tx.Insert(ctx, p) })
	if !errors.Is(err, command.ErrChanged) {
		t.Fatalf("second insert: err = %v, want ErrChanged", err)
	}
	err = inTx(t, pool, func(ctx context.Context, tx command.Tx) error {
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
		t.Fatalf("capture: %v", err)
	}
	got, err := postgres.NewPayments(pool).Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Snapshot{OrderID: id, AuthID: "auth_9", AmountCents: 1234, Currency: "EUR",
		Status: domain.StatusCaptured, CreatedAt: at, UpdatedAt: at.Add(time.Minute)}
	if diff := cmp.Diff(want, got.Snapshot()); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
}

func TestGetMissing(t *testing.T) {
	t.Parallel()
	r := postgres.NewPayments(open(t))
	for _, id := range []string{newID(t), "not-a-uuid"} {
		if _, err := r.Get(t.Context(), id); !errors.Is(err, command.ErrNotFound) {
			t.Errorf("Get(%q) err = %v, want ErrNotFound", id, err)
		}
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	pool := open(t)
	base := time.Date(2026, 5, 6, 7, 0, 0, 0, time.UTC)
	ids := make([]string, 4)
	build := []func(id string, at time.Time) (domain.Payment, error){
		func(id string, at time.Time) (domain.Payment, error) {
			return domain.Authorised(id, "a", 100, "EUR", at)
		},
		func(id string, at time.Time) (domain.Payment, error) {
			return domain.Failed(id, 200, "EUR", "card_declined", at)
		},
		func(id string, at time.Time) (domain.Payment, error) { return domain.Tombstone(id, at) },
		func(id string, at time.Time) (domain.Payment, error) {
			return domain.Authorised(id, "b", 400, "EUR", at)
		},
	}
	for i, b := range build {
		ids[i] = newID(t)
		p, err := b(ids[i], base.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if err := inTx(t, pool, func(ctx context.Context, tx command.Tx) error { return tx.Insert(ctx, p) }); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		filter query.ListFilter
		want   []string
	}{
		{"newest first without tombstones", query.ListFilter{Limit: 10}, []string{ids[3], ids[1], ids[0]}},
		{"limited", query.ListFilter{Limit: 2}, []string{ids[3], ids[1]}},
		{"by status", query.ListFilter{Status: domain.StatusAuthorised, Limit: 10}, []string{ids[3], ids[0]}},
		{"tombstones on request", query.ListFilter{Status: domain.StatusCancelled, Limit: 10}, []string{ids[2]}},
	}
	r := postgres.NewPayments(pool)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := r.List(t.Context(), tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]string, len(ps))
			for i, p := range ps {
				got[i] = p.OrderID()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("order ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPendingVoids(t *testing.T) {
	t.Parallel()
	pool := open(t)
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	held, plain := newID(t), newID(t)
	for _, id := range []string{held, plain} {
		tomb, err := domain.Tombstone(id, at)
		if err != nil {
			t.Fatal(err)
		}
		if err := inTx(t, pool, func(ctx context.Context, tx command.Tx) error { return tx.Insert(ctx, tomb) }); err != nil {
			t.Fatal(err)
		}
	}
	r := postgres.NewPayments(pool)
	err := r.InTx(t.Context(), func(ctx context.Context, tx command.Tx) error {
		p, err := tx.GetForUpdate(ctx, held)
		if err != nil {
			return err
		}
		if err := p.HoldOrphan("auth_3", at.Add(time.Second)); err != nil {
			return err
		}
		return tx.Update(ctx, p)
	})
	if err != nil {
		t.Fatalf("hold orphan: %v", err)
	}
	ps, err := r.PendingVoids(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].OrderID() != held || ps[0].AuthID() != "auth_3" || !ps[0].VoidPending() {
		t.Fatalf("pending voids = %+v, want the tombstone of %s holding auth_3", ps, held)
	}
}
