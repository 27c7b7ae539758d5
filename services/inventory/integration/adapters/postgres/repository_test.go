package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/inventory/internal/adapters/postgres"
	"github.com/eventshop/eventshop/services/inventory/internal/app/command"
	"github.com/eventshop/eventshop/services/inventory/internal/app/query"
	"github.com/eventshop/eventshop/services/inventory/internal/domain"
)

// o1 is the order id the table tests use; each runs in its own database.
var o1 = uuid.NewString()

func reserve(orderID string, lines ...schemas.Line) command.ReserveOrder {
	return command.ReserveOrder{
		OrderID: orderID, CustomerID: "alice", Items: lines,
		TotalCents: 1000, Currency: "EUR", PaymentMethod: "tok_visa",
	}
}

func TestSagaStepsMoveStockAndWriteEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		steps     func(context.Context, *testing.T, commandsUnderTest)
		wantStock map[string]query.StockLevel
		wantState map[string]string
		wantTypes []outboxRow
	}{
		{
			name: "reserve then commit",
			steps: func(ctx context.Context, t *testing.T, c commandsUnderTest) {
				c.must(t, c.reserve.Handle(ctx, reserve(o1, schemas.Line{SKU: "A", Quantity: 2}, schemas.Line{SKU: "B", Quantity: 1})))
				c.must(t, c.commit.Handle(ctx, command.CommitOrder{OrderID: o1}))
			},
			wantStock: map[string]query.StockLevel{"A": {SKU: "A", Available: 3, Sold: 2}, "B": {SKU: "B", Available: 0, Sold: 1}},
			wantState: map[string]string{o1: "committed"},
			wantTypes: []outboxRow{
				{schemas.TypeInventoryReservedV1, o1}, {schemas.TypeInventoryStockChangedV1, "A"},
				{schemas.TypeInventoryStockChangedV1, "B"}, {schemas.TypeInventoryCommittedV1, o1},
			},
		},
		{
			name: "reserve then release, twice",
			steps: func(ctx context.Context, t *testing.T, c commandsUnderTest) {
				c.must(t, c.reserve.Handle(ctx, reserve(o1, schemas.Line{SKU: "A", Quantity: 5})))
				c.must(t, c.release.Handle(ctx, command.ReleaseOrder{OrderID: o1}))
				c.must(t, c.release.Handle(ctx, command.ReleaseOrder{OrderID: o1}))
				c.must(t, c.commit.Handle(ctx, command.CommitOrder{OrderID: o1}))
			},
			wantStock: map[string]query.StockLevel{"A": {SKU: "A", Available: 5}, "B": {SKU: "B", Available: 1}},
			wantState: map[string]string{o1: "released"},
			wantTypes: []outboxRow{
				{schemas.TypeInventoryReservedV1, o1}, {schemas.TypeInventoryStockChangedV1, "A"},
				{schemas.TypeInventoryReleasedV1, o1}, {schemas.TypeInventoryStockChangedV1, "A"},
			},
		},
		{
			name: "short line rejects the whole order",
			steps: func(ctx context.Context, t *testing.T, c commandsUnderTest) {
				c.must(t, c.reserve.Handle(ctx, reserve(o1, schemas.Line{SKU: "A", Quantity: 1}, schemas.Line{SKU: "B", Quantity: 2})))
				c.must(t, c.reserve.Handle(ctx, reserve(o1, schemas.Line{SKU: "A", Quantity: 1})))
			},
			wantStock: map[string]query.StockLevel{"A": {SKU: "A", Available: 5}, "B": {SKU: "B", Available: 1}},
			wantState: map[string]string{o1: "rejected"},
			wantTypes: []outboxRow{{schemas.TypeInventoryRejectedV1, o1}},
		},
		{
			name: "unknown sku rejects",
			steps: func(ctx context.Context, t *testing.T, c commandsUnderTest) {
				c.must(t, c.reserve.Handle(ctx, reserve(o1, schemas.Line{SKU: "NOPE", Quantity: 1})))
			},
			wantStock: map[string]query.StockLevel{"A": {SKU: "A", Available: 5}, "B": {SKU: "B", Available: 1}},
			wantState: map[string]string{o1: "rejected"},
			wantTypes: []outboxRow{{schemas.TypeInventoryRejectedV1, o1}},
		},
		{
			name: "cancel before placed leaves a tombstone",
			steps: func(ctx context.Context, t *testing.T, c commandsUnderTest) {
				c.must(t, c.release.Handle(ctx, command.ReleaseOrder{OrderID: o1}))
				c.must(t, c.reserve.Handle(ctx, reserve(o1, schemas.Line{SKU: "A", Quantity: 1})))
			},
			wantStock: map[string]query.StockLevel{"A": {SKU: "A", Available: 5}, "B": {SKU: "B", Available: 1}},
			wantState: map[string]string{o1: "tombstone"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pool := newDatabase(t, product("A", 5), product("B", 1))
			a := newApp(pool)
			tt.steps(context.Background(), t, commandsUnderTest{
				reserve: a.Commands.ReserveOrder, commit: a.Commands.CommitOrder, release: a.Commands.ReleaseOrder,
			})
			if diff := cmp.Diff(tt.wantStock, stockLevels(t, a)); diff != "" {
				t.Errorf("stock (-want +got):\n%s", diff)
			}
			for id, want := range tt.wantState {
				if got := reservationState(t, pool, id); got != want {
					t.Errorf("reservation %s = %s, want %s", id, got, want)
				}
			}
			if diff := cmp.Diff(tt.wantTypes, outboxRows(t, pool)); diff != "" {
				t.Errorf("outbox (-want +got):\n%s", diff)
			}
		})
	}
}

type commandsUnderTest struct {
	reserve command.ReserveOrderHandler
	commit  command.CommitOrderHandler
	release command.ReleaseOrderHandler
}

func (commandsUnderTest) must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestRestock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		sku      string
		quantity int64
		wantErr  error
		want     int64
	}{
		{name: "adds stock", sku: "A", quantity: 7, want: 12},
		{name: "unknown sku", sku: "Z", quantity: 7, wantErr: domain.ErrUnknownProduct, want: 5},
		{name: "zero", sku: "A", quantity: 0, wantErr: domain.ErrInvalidQuantity, want: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pool := newDatabase(t, product("A", 5))
			a := newApp(pool)
			err := a.Commands.Restock.Handle(context.Background(), command.Restock{SKU: tt.sku, Quantity: tt.quantity})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if got := stockLevels(t, a)["A"].Available; got != tt.want {
				t.Errorf("available = %d, want %d", got, tt.want)
			}
			wantRows := 0
			if tt.wantErr == nil {
				wantRows = 1
			}
			if got := len(outboxRows(t, pool)); got != wantRows {
				t.Errorf("outbox has %d rows, want %d", got, wantRows)
			}
		})
	}
}

// TestJoinedTransactionRollsBackTheEffect checks that a command run with a
// caller's transaction (as the inbox handler does) commits or rolls back
// with it, events included.
func TestJoinedTransactionRollsBackTheEffect(t *testing.T) {
	t.Parallel()
	pool := newDatabase(t, product("A", 5))
	a := newApp(pool)
	ctx := context.Background()
	errAbort := errors.New("abort")
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		reserveInTx := command.NewReserveOrderHandler(postgres.NewRepository(pool).InTx(tx))
		if err := reserveInTx.Handle(ctx, reserve(o1, schemas.Line{SKU: "A", Quantity: 2})); err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("transaction error = %v, want errAbort", err)
	}
	if got := stockLevels(t, a)["A"]; got != (query.StockLevel{SKU: "A", Available: 5}) {
		t.Errorf("stock = %+v, want untouched", got)
	}
	if rows := outboxRows(t, pool); len(rows) != 0 {
		t.Errorf("outbox = %v, want empty", rows)
	}
}
