package load

import (
	"context"
	"net/http"
	"time"

	"github.com/eventshop/eventshop/tools/client"
)

// do runs one operation and logs and counts it. Read, cancel and follow
// need an order: before the first one is accepted they run as a list of
// the customer's orders instead, which is what a customer with none sees.
func (s *state) do(ctx context.Context, a arrival) {
	e := Entry{Op: a.op, Start: time.Now(), Customer: a.cust.name}
	var err error
	switch a.op {
	case OpBrowse:
		_, err = a.cust.api.Products(ctx)
	case OpPlace:
		err = s.place(ctx, a, &e)
	case OpList:
		_, _, err = a.cust.api.OrdersPage(ctx, 0, "")
	case OpRead, OpCancel, OpFollow:
		err = s.onOrder(ctx, a, &e)
	}
	e.End = time.Now()
	e.Result, e.Status = "ok", http.StatusOK
	if err != nil {
		e.Status = errorStatus(err)
		if !expected(e.Op, e.Status) {
			e.Result, e.Error = "error", err.Error()
		} else {
			e.Result = "refused"
		}
	}
	s.count(e.Op, e.Result == "error", false)
	s.cfg.Log.Write(e)
}

// expected reports whether a refusal is part of the game rather than a
// failure: a cancel that lost the race with the saga's end is 409.
func expected(op Op, status int) bool {
	return op == OpCancel && status == http.StatusConflict
}

func (s *state) place(ctx context.Context, a arrival, e *Entry) error {
	e.Card = a.card
	o, err := a.cust.api.PlaceOrder(ctx, []client.Line{{SKU: a.sku, Quantity: a.qty}}, a.card, "")
	if err != nil {
		return err
	}
	e.OrderID = o.ID
	s.tl.Placed(time.Now())
	s.remember(placed{id: o.ID, cust: a.cust})
	s.tracker.add(ctx, trackedOrder{id: o.ID, cust: a.cust, card: a.card, placed: e.Start})
	return nil
}

// onOrder reads, cancels or follows one of the recent orders, as its owner.
func (s *state) onOrder(ctx context.Context, a arrival, e *Entry) error {
	p, ok := s.pickRecent(a.pick, a.op == OpCancel)
	if !ok {
		e.Op = OpList
		_, _, err := a.cust.api.OrdersPage(ctx, 0, "")
		return err
	}
	e.OrderID, e.Customer = p.id, p.cust.name
	var err error
	switch a.op {
	case OpRead:
		_, err = p.cust.api.Order(ctx, p.id)
	case OpCancel:
		_, err = p.cust.api.Cancel(ctx, p.id)
	case OpFollow:
		_, err = s.cfg.Follower.Follow(ctx, p.cust.api, p.id)
	}
	return err
}
