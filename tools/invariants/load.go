package invariants

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

type line struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

type order struct {
	Status     string
	TotalCents int64
	Lines      []line
}

type product struct{ Available, Reserved, Sold int64 }

type payment struct {
	Status      string
	AmountCents int64
}

func loadOrders(ctx context.Context, db *pgxpool.Pool) (map[string]order, error) {
	rows, err := db.Query(ctx, `SELECT id::text, status, total_cents, lines FROM orders`)
	if err != nil {
		return nil, fmt.Errorf("read orders: %w", err)
	}
	defer rows.Close()
	out := map[string]order{}
	for rows.Next() {
		var id string
		var o order
		var raw []byte
		if err := rows.Scan(&id, &o.Status, &o.TotalCents, &raw); err != nil {
			return nil, fmt.Errorf("scan order: %w", err)
		}
		if err := json.Unmarshal(raw, &o.Lines); err != nil {
			return nil, fmt.Errorf("order %s lines: %w", id, err)
		}
		out[id] = o
	}
	return out, rows.Err()
}

func loadProducts(ctx context.Context, db *pgxpool.Pool) (map[string]product, error) {
	rows, err := db.Query(ctx, `SELECT sku, available, reserved, sold FROM products`)
	if err != nil {
		return nil, fmt.Errorf("read products: %w", err)
	}
	defer rows.Close()
	out := map[string]product{}
	for rows.Next() {
		var sku string
		var p product
		if err := rows.Scan(&sku, &p.Available, &p.Reserved, &p.Sold); err != nil {
			return nil, fmt.Errorf("scan product: %w", err)
		}
		out[sku] = p
	}
	return out, rows.Err()
}

// loadPayments reads the payments that exist for an order; tombstones
// (an order cancelled before any authorisation) are not payments.
func loadPayments(ctx context.Context, db *pgxpool.Pool) (map[string]payment, error) {
	rows, err := db.Query(ctx, `SELECT order_id::text, status, amount_cents FROM payments WHERE status <> 'CANCELLED'`)
	if err != nil {
		return nil, fmt.Errorf("read payments: %w", err)
	}
	defer rows.Close()
	out := map[string]payment{}
	for rows.Next() {
		var id string
		var p payment
		if err := rows.Scan(&id, &p.Status, &p.AmountCents); err != nil {
			return nil, fmt.Errorf("scan payment: %w", err)
		}
		out[id] = p
	}
	return out, rows.Err()
}

// note is a stored notification: the event it tells of and whether it was sent.
type note struct{ Kind, Status string }

func loadNotifications(ctx context.Context, db *mongo.Database) (map[string][]note, error) {
	cur, err := db.Collection("notifications").Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("read notifications: %w", err)
	}
	defer cur.Close(ctx)
	out := map[string][]note{}
	for cur.Next(ctx) {
		var n struct {
			OrderID string `bson:"_id"` // one notification per order: its id is the order id
			Kind    string `bson:"kind"`
			Status  string `bson:"status"`
		}
		if err := cur.Decode(&n); err != nil {
			return nil, fmt.Errorf("decode notification: %w", err)
		}
		out[n.OrderID] = append(out[n.OrderID], note{Kind: n.Kind, Status: n.Status})
	}
	return out, cur.Err()
}

// loadHeldReservations lists the orders inventory holds stock for.
func loadHeldReservations(ctx context.Context, db *pgxpool.Pool) ([]string, error) {
	rows, err := db.Query(ctx, `SELECT order_id FROM reservations WHERE state = 'reserved'`)
	if err != nil {
		return nil, fmt.Errorf("read reservations: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read reservations: %w", err)
	}
	return ids, nil
}

// loadBacklogs counts the events each store's outbox has not yet
// published: unsent rows of the PostgreSQL outboxes, and notifications
// still carrying events in their outbox array.
func loadBacklogs(ctx context.Context, src Sources) (map[string]int, error) {
	out := map[string]int{}
	for name, db := range map[string]*pgxpool.Pool{"order": src.Order, "inventory": src.Inventory, "payment": src.Payment} {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE sent_at IS NULL`).Scan(&n); err != nil {
			return nil, fmt.Errorf("read %s outbox: %w", name, err)
		}
		out[name] = n
	}
	n, err := src.Notifications.Collection("notifications").CountDocuments(ctx,
		bson.D{{Key: "outbox.0", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil {
		return nil, fmt.Errorf("read notification outbox: %w", err)
	}
	out["notification"] = int(n)
	return out, nil
}
