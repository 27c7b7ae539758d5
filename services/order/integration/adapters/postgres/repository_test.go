package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/services/order/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/order/internal/app/command"
	"github.com/eventshop/eventshop/services/order/internal/domain"
	"github.com/eventshop/eventshop/services/order/migrations"
	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func open(t *testing.T) (*pgxpool.Pool, *postgres.Repository) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := pgdb.Open(ctx, testkit.Postgres(t), migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, postgres.NewRepository(pool, nil)
}

func newOrder(t *testing.T, customer string) *domain.Order {
	t.Helper()
	o, err := domain.NewOrder(customer, []domain.Item{domain.NewItem("SKU-1", 2), domain.NewItem("SKU-2", 1)},
		map[string]int64{"SKU-1": 150, "SKU-2": 1000}, "tok_visa", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// view is an order's observable state, for comparisons.
type view struct {
	ID, Customer, Payment, Status, Reason string
	Total                                 int64
	Lines                                 [][3]any
	Created, Updated                      time.Time
}

func viewOf(o *domain.Order) view {
	v := view{ID: o.ID().String(), Customer: o.CustomerID(), Payment: o.PaymentMethod(),
		Status: string(o.Status()), Reason: o.Reason(), Total: o.TotalCents(),
		Created: o.CreatedAt().Truncate(time.Microsecond), Updated: o.UpdatedAt().Truncate(time.Microsecond)}
	for _, l := range o.Lines() {
		v.Lines = append(v.Lines, [3]any{l.SKU(), l.Quantity(), l.PriceCents()})
	}
	return v
}

// outboxTypes lists the event types in the outbox for order id, in order.
func outboxTypes(t *testing.T, pool *pgxpool.Pool, id string) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT type FROM outbox WHERE aggregate_id = $1 ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for rows.Next() {
		var typ string
		if err := rows.Scan(&typ); err != nil {
			t.Fatal(err)
		}
		types = append(types, typ)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return types
}

func TestAddStoresOrderAndPlacedEvent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, repo := open(t)
	o := newOrder(t, "alice")
	if err := repo.Add(ctx, o, nil); err != nil {
		t.Fatal(err)
	}
	got, err := repo.Get(ctx, o.ID())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(viewOf(o), viewOf(got)); diff != "" {
		t.Errorf("stored order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"order.placed.v2"}, outboxTypes(t, pool, o.ID().String())); diff != "" {
		t.Errorf("outbox (-want +got):\n%s", diff)
	}
}

func TestGetUnknownIsNotFound(t *testing.T) {
	t.Parallel()
	_, repo := open(t)
	if _, err := repo.Get(context.Background(), newOrder(t, "alice").ID()); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("Get unknown = %v, want ErrNotFound", err)
	}
}

func TestIdempotencyKeyIsUniquePerCustomer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, repo := open(t)
	first := newOrder(t, "alice")
	idem := &command.Idempotency{Key: "k1", RequestHash: "h1"}
	if err := repo.Add(ctx, first, idem); err != nil {
		t.Fatal(err)
	}
	second := newOrder(t, "alice")
	if err := repo.Add(ctx, second, idem); !errors.Is(err, command.ErrIdempotencyKeyUsed) {
		t.Fatalf("second Add = %v, want ErrIdempotencyKeyUsed", err)
	}
	if _, err := repo.Get(ctx, second.ID()); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the refused order was stored: %v", err)
	}
	if types := outboxTypes(t, pool, second.ID().String()); len(types) != 0 {
		t.Errorf("the refused order left events %v", types)
	}
	got, hash, err := repo.FindByIdempotencyKey(ctx, "alice", "k1")
	if err != nil || got.ID() != first.ID() || hash != "h1" {
		t.Errorf("FindByIdempotencyKey = %v, %q, %v; want %s, h1", got, hash, err, first.ID())
	}
	if err := repo.Add(ctx, newOrder(t, "bob"), idem); err != nil {
		t.Errorf("another customer's use of the key: %v", err)
	}
	if _, _, err := repo.FindByIdempotencyKey(ctx, "alice", "k2"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("unknown key = %v, want ErrNotFound", err)
	}
}

// TestDeleteIdempotencyKeysForgetsOnlyOldKeys ages one of two keys and
// deletes the keys older than an hour: the aged key is forgotten, so it
// places a new order, and the recent one still finds its order.
func TestDeleteIdempotencyKeysForgetsOnlyOldKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, repo := open(t)
	old, recent := newOrder(t, "alice"), newOrder(t, "alice")
	if err := repo.Add(ctx, old, &command.Idempotency{Key: "old", RequestHash: "h"}); err != nil {
		t.Fatal(err)
	}
	if err := repo.Add(ctx, recent, &command.Idempotency{Key: "recent", RequestHash: "h"}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old'`); err != nil {
		t.Fatal(err)
	}
	n, err := repo.DeleteIdempotencyKeys(ctx, time.Now().Add(-time.Hour), 10)
	if err != nil || n != 1 {
		t.Fatalf("DeleteIdempotencyKeys = %d, %v; want 1, nil", n, err)
	}
	if _, _, err := repo.FindByIdempotencyKey(ctx, "alice", "old"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("old key = %v, want ErrNotFound", err)
	}
	if got, _, err := repo.FindByIdempotencyKey(ctx, "alice", "recent"); err != nil || got.ID() != recent.ID() {
		t.Errorf("recent key = %v, %v; want order %s", got, err, recent.ID())
	}
	if err := repo.Add(ctx, newOrder(t, "alice"), &command.Idempotency{Key: "old", RequestHash: "h2"}); err != nil {
		t.Errorf("reusing the forgotten key: %v", err)
	}
	if _, err := repo.Get(ctx, old.ID()); err != nil {
		t.Errorf("the order of the forgotten key: %v", err)
	}
}
