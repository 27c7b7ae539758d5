package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/eventshop/eventshop/pkg/page"
)

// Line is one line of an order request or answer.
type Line struct {
	SKU        string `json:"sku"`
	Quantity   int    `json:"quantity"`
	PriceCents int64  `json:"price_cents,omitempty"`
}

// Order is the API's order.
type Order struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Items      []Line `json:"items"`
	TotalCents int64  `json:"total_cents"`
	Currency   string `json:"currency"`
	Reason     string `json:"reason,omitempty"`
}

// Final reports whether the order's saga has ended.
func (o Order) Final() bool { return o.Status != "" && o.Status != "PENDING" }

// Product is a catalogue entry.
type Product struct {
	SKU        string `json:"sku"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
	Currency   string `json:"currency"`
	Available  int64  `json:"available"`
}

// Stock is an admin's view of one product's stock.
type Stock struct {
	SKU       string `json:"sku"`
	Available int64  `json:"available"`
	Reserved  int64  `json:"reserved"`
	Sold      int64  `json:"sold"`
}

// Payment is an admin's view of one order's payment.
type Payment struct {
	OrderID     string `json:"order_id"`
	Status      string `json:"status"`
	AmountCents int64  `json:"amount_cents"`
}

// Notification is a customer's notification.
type Notification struct {
	ID      string `json:"id"`
	OrderID string `json:"order_id"`
	Kind    string `json:"kind"`
	Status  string `json:"status"`
}

// TimelineEvent is one event of an order's saga.
type TimelineEvent struct {
	ID      string    `json:"id"`
	Type    string    `json:"type"`
	Source  string    `json:"source"`
	Time    time.Time `json:"time"`
	TraceID string    `json:"trace_id"`
}

// Login gets a token for user from the gateway's development issuer.
func (c *Client) Login(ctx context.Context, user string) (string, error) {
	var out struct {
		AccessToken string `json:"access_token"`
	}
	_, err := c.Do(ctx, http.MethodPost, "/api/v1/auth/token", map[string]string{"username": user}, nil, &out)
	return out.AccessToken, err
}

// PlaceOrder places an order; key, when not empty, is its Idempotency-Key.
func (c *Client) PlaceOrder(ctx context.Context, items []Line, method, key string) (Order, error) {
	hdr := http.Header{}
	if key != "" {
		hdr.Set("Idempotency-Key", key)
	}
	var o Order
	_, err := c.Do(ctx, http.MethodPost, "/api/v1/orders", map[string]any{"items": items, "payment_method": method}, hdr, &o)
	return o, err
}

// Order reads one order.
func (c *Client) Order(ctx context.Context, id string) (Order, error) {
	var o Order
	_, err := c.Do(ctx, http.MethodGet, "/api/v1/orders/"+id, nil, nil, &o)
	return o, err
}

// Orders lists all of the caller's orders, newest first, reading every page.
func (c *Client) Orders(ctx context.Context) ([]Order, error) {
	return all[Order](ctx, c, "/api/v1/orders")
}

// OrdersPage reads one page of the caller's orders, newest first, as a
// screen of them would: the first page for cursor "", of the API's default
// size for limit 0. It returns the next page's cursor, "" on the last.
func (c *Client) OrdersPage(ctx context.Context, limit int, cursor string) ([]Order, string, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	path := "/api/v1/orders"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var p page.Of[Order]
	_, err := c.Do(ctx, http.MethodGet, path, nil, nil, &p)
	return p.Items, p.NextCursor, err
}

// Cancel cancels a pending order.
func (c *Client) Cancel(ctx context.Context, id string) (Order, error) {
	var o Order
	_, err := c.Do(ctx, http.MethodPost, "/api/v1/orders/"+id+"/cancel", nil, nil, &o)
	return o, err
}

// Timeline reads an order's saga events.
func (c *Client) Timeline(ctx context.Context, id string) ([]TimelineEvent, error) {
	var out struct {
		Events []TimelineEvent `json:"events"`
	}
	_, err := c.Do(ctx, http.MethodGet, "/api/v1/orders/"+id+"/timeline", nil, nil, &out)
	return out.Events, err
}

// WaitFinal polls an order until its saga ends or ctx is done.
func (c *Client) WaitFinal(ctx context.Context, id string) (Order, error) {
	delay := 2 * time.Millisecond
	for {
		o, err := c.Order(ctx, id)
		if err == nil && o.Final() {
			return o, nil
		}
		select {
		case <-ctx.Done():
			return o, errors.Join(fmt.Errorf("order %s not final (%s)", id, o.Status), err, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, 100*time.Millisecond)
	}
}

// Products lists the whole catalogue, reading every page.
func (c *Client) Products(ctx context.Context) ([]Product, error) {
	return all[Product](ctx, c, "/api/v1/products")
}

// Inventory lists every product's stock (admin).
func (c *Client) Inventory(ctx context.Context) (map[string]Stock, error) {
	items, err := all[Stock](ctx, c, "/api/v1/admin/inventory")
	if err != nil {
		return nil, err
	}
	m := make(map[string]Stock, len(items))
	for _, s := range items {
		m[s.SKU] = s
	}
	return m, nil
}

// Restock adds quantity to a product's stock (admin).
func (c *Client) Restock(ctx context.Context, sku string, quantity int) error {
	_, err := c.Do(ctx, http.MethodPost, "/api/v1/admin/products/"+sku+"/restock", map[string]int{"quantity": quantity}, nil, nil)
	return err
}

// Payments lists every payment (admin), keyed by order id, reading every
// page.
func (c *Client) Payments(ctx context.Context) (map[string]Payment, error) {
	items, err := all[Payment](ctx, c, "/api/v1/admin/payments")
	if err != nil {
		return nil, err
	}
	m := make(map[string]Payment, len(items))
	for _, p := range items {
		m[p.OrderID] = p
	}
	return m, nil
}

// Notifications lists all of the caller's notifications, newest first,
// reading every page.
func (c *Client) Notifications(ctx context.Context) ([]Notification, error) {
	return all[Notification](ctx, c, "/api/v1/notifications")
}
