package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/services/payment/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/payment/internal/app/command"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
	"github.com/eventshop/eventshop/testkit"
)

// single tells the single queries among a pool's statements.
func single(s testkit.Statement) bool { return !s.Batched }

// readAheadFixture is a database holding an authorised payment and a
// tombstone, and a pool on it that counts its queries.
type readAheadFixture struct {
	base, pool            *pgxpool.Pool
	queries               *testkit.SQLLog
	authorised, tombstone string
}

func newReadAheadFixture(t *testing.T) readAheadFixture {
	t.Helper()
	f := readAheadFixture{base: open(t), queries: &testkit.SQLLog{}, authorised: newID(t), tombstone: newID(t)}
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, p := range []func() (domain.Payment, error){
		func() (domain.Payment, error) { return domain.Authorised(f.authorised, "auth_7", 900, "EUR", at) },
		func() (domain.Payment, error) { return domain.Tombstone(f.tombstone, at) },
	} {
		p, err := p()
		if err != nil {
			t.Fatal(err)
		}
		if err := inTx(t, f.base, func(ctx context.Context, tx command.Tx) error { return tx.Insert(ctx, p) }); err != nil {
			t.Fatal(err)
		}
	}
	f.pool = testkit.Traced(t, f.base, f.queries)
	return f
}

// checkSameAsAlone checks that got and gotErr, the answer of a Get for id,
// are what Get answers on its own, with no batch in the context.
func (f readAheadFixture) checkSameAsAlone(t *testing.T, id string, got domain.Payment, gotErr error) {
	t.Helper()
	want, wantErr := postgres.NewPayments(f.base).Get(t.Context(), id)
	if !errors.Is(gotErr, wantErr) || (gotErr == nil) != (wantErr == nil) {
		t.Errorf("Get(%q) err = %v, want %v", id, gotErr, wantErr)
	}
	if diff := cmp.Diff(want.Snapshot(), got.Snapshot()); diff != "" {
		t.Errorf("Get(%q) (-alone +read ahead):\n%s", id, diff)
	}
}

// TestReadAheadAnswersGets checks that a batch's payments read ahead
// answer the Get calls for its orders as Get does on its own, with one
// query for the whole batch; an order with no payment is not found.
func TestReadAheadAnswersGets(t *testing.T) {
	t.Parallel()
	f := newReadAheadFixture(t)
	unknown := newID(t)
	ctx := t.Context()
	payments, err := postgres.NewPayments(f.pool).ReadAhead(ctx, []string{f.authorised, f.tombstone, unknown, f.authorised, "not-a-uuid"})
	if err != nil {
		t.Fatalf("read ahead: %v", err)
	}
	for _, id := range []string{f.authorised, f.tombstone, unknown} {
		got, err := payments.Get(ctx, id)
		f.checkSameAsAlone(t, id, got, err)
	}
	if _, err := payments.Get(ctx, unknown); !errors.Is(err, command.ErrNotFound) {
		t.Errorf("Get(unknown) err = %v, want ErrNotFound", err)
	}
	if n := f.queries.Count(single); n != 1 {
		t.Errorf("queries = %d, want 1 for the batch", n)
	}
}

// TestReadAheadLeavesOtherIDsToGet checks that Get asks the database, and
// answers as before, for ids the read-ahead cannot vouch for: those that
// are no UUID (kept out of its query), other spellings of a UUID, and
// orders of no event in the batch.
func TestReadAheadLeavesOtherIDsToGet(t *testing.T) {
	t.Parallel()
	f := newReadAheadFixture(t)
	upper := strings.ToUpper(f.authorised)
	outside := f.tombstone
	ctx := t.Context()
	payments, err := postgres.NewPayments(f.pool).ReadAhead(ctx, []string{f.authorised, "not-a-uuid", upper})
	if err != nil {
		t.Fatalf("read ahead: %v", err)
	}
	for _, id := range []string{"not-a-uuid", upper, outside} {
		t.Run(id, func(t *testing.T) {
			before := f.queries.Count(single)
			got, err := payments.Get(ctx, id)
			f.checkSameAsAlone(t, id, got, err)
			if n := f.queries.Count(single) - before; n != 1 {
				t.Errorf("queries = %d, want 1: Get asks on its own", n)
			}
		})
	}
	if _, err := payments.Get(ctx, "not-a-uuid"); !errors.Is(err, command.ErrNotFound) {
		t.Errorf("Get(not-a-uuid) err = %v, want ErrNotFound", err)
	}
}

// TestReadAheadFailureLeavesGetsAlone checks that a batch whose read-ahead
// failed answers nothing, so each Get reads on its own.
func TestReadAheadFailureLeavesGetsAlone(t *testing.T) {
	t.Parallel()
	f := newReadAheadFixture(t)
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	payments, err := postgres.NewPayments(f.pool).ReadAhead(cancelled, []string{f.authorised, f.tombstone})
	if err == nil {
		t.Fatal("read ahead with a cancelled context: err = nil")
	}
	before := f.queries.Count(single)
	got, err := payments.Get(t.Context(), f.authorised)
	f.checkSameAsAlone(t, f.authorised, got, err)
	if n := f.queries.Count(single) - before; n != 1 {
		t.Errorf("queries = %d, want 1: Get asks on its own", n)
	}
}
