package chaos

import (
	"context"
	"fmt"
	"time"

	"github.com/eventshop/eventshop/tools/client"
	"github.com/eventshop/eventshop/tools/load"
)

// DropOneAcked loses one event on purpose, to prove that Check sees a
// loss: with the notification service's link to NATS black-holed, it
// places and confirms one order, waits until the order's other consumers
// applied its order.confirmed event (payment captured, stock committed),
// and deletes that event from its stream — an event the publisher had
// its ack for. When the link is back, the notification service never
// hears of the order, and the order lacks its one notification. It
// returns the order's id.
func DropOneAcked(ctx context.Context, p *Platform, tokens load.Tokens) (string, error) {
	link := LinkName("notification", "nats")
	hole := Toxic{Name: "fixture_hole", Type: "timeout", Stream: "downstream", Attributes: map[string]any{"timeout": 0}}
	if err := p.Links.Add(link, hole); err != nil {
		return "", err
	}
	defer func() { _ = p.Links.Remove(context.WithoutCancel(ctx), link, hole.Name) }()
	id, err := placeConfirmed(ctx, p, tokens)
	if err != nil {
		return "", err
	}
	if err := waitApplied(ctx, p, id); err != nil {
		return id, err
	}
	s, err := p.JS.Stream(ctx, "ORDER")
	if err != nil {
		return id, fmt.Errorf("order stream: %w", err)
	}
	m, err := s.GetLastMsgForSubject(ctx, "order.confirmed.v1."+id)
	if err != nil {
		return id, fmt.Errorf("find order.confirmed of %s: %w", id, err)
	}
	if err := s.DeleteMsg(ctx, m.Sequence); err != nil {
		return id, fmt.Errorf("delete order.confirmed of %s: %w", id, err)
	}
	return id, nil
}

func placeConfirmed(ctx context.Context, p *Platform, tokens load.Tokens) (string, error) {
	token, err := tokens.Customer(0)
	if err != nil {
		return "", err
	}
	c := client.ViaGateway(p.Stack.URL("gateway")).As(token)
	o, err := c.PlaceOrder(ctx, []client.Line{{SKU: "SKU-MOUSE", Quantity: 1}}, load.CardVisa, "")
	if err != nil {
		return "", fmt.Errorf("place order: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	got, err := c.WaitFinal(wctx, o.ID)
	if err != nil {
		return o.ID, fmt.Errorf("wait for order %s: %w", o.ID, err)
	}
	if got.Status != "CONFIRMED" {
		return o.ID, fmt.Errorf("order %s is %s, want CONFIRMED", o.ID, got.Status)
	}
	return o.ID, nil
}

// waitApplied polls until payment captured order id and inventory
// committed its stock: order.confirmed reached both.
func waitApplied(ctx context.Context, p *Platform, id string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		var captured, committed bool
		err := p.Sources.Payment.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM payments WHERE order_id::text = $1 AND status = 'CAPTURED')`, id).Scan(&captured)
		if err == nil {
			err = p.Sources.Inventory.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM reservations WHERE order_id = $1 AND state = 'committed')`, id).Scan(&committed)
		}
		if err == nil && captured && committed {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("order %s: captured %v, committed %v after a minute (%v)", id, captured, committed, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
