// Package demo places one order of each outcome of the saga through a
// running platform and reports what happened to each. It first gets what
// its scenarios need, restocking their product as an admin, so that it
// shows the same outcomes on a fresh shop and on one that has sold out.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/eventshop/eventshop/tools/client"
)

// MinStock is the stock the scenarios need of their product: one unit is
// sold, and each other scenario holds at most one unit while it runs.
const MinStock = 5

// maxQuantity is the most units one order line may ask for.
const maxQuantity = 10_000

// scenario is one outcome to show: how to place the order and what to expect.
type scenario struct {
	name   string
	method string
	qty    func(available int64) int
	cancel bool
	want   string
}

var scenarios = []scenario{
	{name: "confirmed", method: "tok_visa", qty: one, want: "CONFIRMED"},
	{name: "out of stock", method: "tok_visa", qty: moreThan, want: "REJECTED"},
	{name: "card declined", method: "tok_decline", qty: one, want: "CANCELLED"},
	{name: "provider timeout", method: "tok_timeout", qty: one, want: "CANCELLED"},
	{name: "cancelled by customer", method: "tok_timeout", qty: one, cancel: true, want: "CANCELLED"},
}

func one(int64) int { return 1 }

// moreThan asks for one unit more than there is, which an order line can
// only do while fewer than maxQuantity units are available.
func moreThan(available int64) int { return int(min(available+1, maxQuantity)) }

// Result is what happened to one scenario's order.
type Result struct {
	Scenario, OrderID, Status, Want, Reason string
	Took                                    time.Duration
}

// Expected reports whether the order ended as the scenario expects.
func (r Result) Expected() bool { return r.Status == r.Want }

// Report is a whole run: what was restocked first, then each scenario.
type Report struct {
	Restocked int
	Results   []Result
}

// Run logs in through c (a client of the gateway, with the development
// issuer on) as admin and as alice, restocks sku up to MinStock when it has
// fewer available, and plays every scenario as alice, one after another.
func Run(ctx context.Context, c *client.Client, sku string) (Report, error) {
	var rep Report
	adminToken, err := c.Login(ctx, "admin")
	if err != nil {
		return rep, fmt.Errorf("log in as admin (is the platform running, with the development issuer on?): %w", err)
	}
	admin := c.As(adminToken)
	if rep.Restocked, err = Prepare(ctx, admin, sku); err != nil {
		return rep, err
	}
	aliceToken, err := c.Login(ctx, "alice")
	if err != nil {
		return rep, fmt.Errorf("log in as alice: %w", err)
	}
	alice := c.As(aliceToken)
	for _, s := range scenarios {
		r, err := play(ctx, alice, admin, sku, s)
		if err != nil {
			return rep, fmt.Errorf("%s: %w", s.name, err)
		}
		rep.Results = append(rep.Results, r)
	}
	return rep, nil
}

// Prepare restocks sku, as admin, up to MinStock available units and
// returns how many it added (0 when there were enough).
func Prepare(ctx context.Context, admin *client.Client, sku string) (int, error) {
	available, err := availableOf(ctx, admin, sku)
	if err != nil {
		return 0, err
	}
	if available >= MinStock {
		return 0, nil
	}
	more := int(MinStock - available)
	if err := admin.Restock(ctx, sku, more); err != nil {
		return 0, fmt.Errorf("restock %s: %w", sku, err)
	}
	return more, nil
}

// availableOf reads sku's stock from the admin listing, which no cache
// sits in front of, so a restock just made is seen.
func availableOf(ctx context.Context, admin *client.Client, sku string) (int64, error) {
	stock, err := admin.Inventory(ctx)
	if err != nil {
		return 0, fmt.Errorf("read stock: %w", err)
	}
	s, ok := stock[sku]
	if !ok {
		return 0, fmt.Errorf("no product %s in the catalogue", sku)
	}
	return s.Available, nil
}

func play(ctx context.Context, alice, admin *client.Client, sku string, s scenario) (Result, error) {
	available, err := availableOf(ctx, admin, sku)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	o, err := alice.PlaceOrder(ctx, []client.Line{{SKU: sku, Quantity: s.qty(available)}}, s.method, "")
	if err != nil {
		return Result{}, err
	}
	if s.cancel {
		if _, err := alice.Cancel(ctx, o.ID); err != nil {
			return Result{}, fmt.Errorf("cancel: %w", err)
		}
	}
	o, err = alice.WaitFinal(ctx, o.ID)
	if err != nil {
		return Result{}, err
	}
	return Result{Scenario: s.name, OrderID: o.ID, Status: o.Status, Want: s.want, Reason: o.Reason, Took: time.Since(start)}, nil
}
