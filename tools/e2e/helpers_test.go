package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/eventshop/eventshop/testkit"
	"github.com/eventshop/eventshop/tools/client"
	"github.com/eventshop/eventshop/tools/invariants"
)

// quietTimeout bounds how long a test waits for the sagas it started to end.
const quietTimeout = 30 * time.Second

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func place(t *testing.T, c *client.Client, method string, items ...client.Line) client.Order {
	t.Helper()
	o, err := c.PlaceOrder(testContext(t), items, method, "")
	if err != nil {
		t.Fatalf("place order: %v", err)
	}
	if o.Status != "PENDING" || o.ID == "" {
		t.Fatalf("placed order = %+v, want a PENDING order with an id", o)
	}
	return o
}

func waitFinal(t *testing.T, c *client.Client, id string) client.Order {
	t.Helper()
	ctx, cancel := context.WithTimeout(testContext(t), quietTimeout)
	defer cancel()
	o, err := c.WaitFinal(ctx, id)
	if err != nil {
		t.Fatalf("wait for order %s: %v", id, err)
	}
	return o
}

func stock(t *testing.T, sku string) client.Stock {
	t.Helper()
	inv, err := shop.admin.Inventory(testContext(t))
	if err != nil {
		t.Fatalf("inventory: %v", err)
	}
	s, ok := inv[sku]
	if !ok {
		t.Fatalf("no product %s in the inventory", sku)
	}
	return s
}

func payment(t *testing.T, orderID string) (client.Payment, bool) {
	t.Helper()
	ps, err := shop.admin.Payments(testContext(t))
	if err != nil {
		t.Fatalf("payments: %v", err)
	}
	p, ok := ps[orderID]
	return p, ok
}

// notificationsFor returns the notifications c's user has for one order.
func notificationsFor(t *testing.T, c *client.Client, orderID string) []client.Notification {
	t.Helper()
	all, err := c.Notifications(testContext(t))
	if err != nil {
		t.Fatalf("notifications: %v", err)
	}
	var out []client.Notification
	for _, n := range all {
		if n.OrderID == orderID {
			out = append(out, n)
		}
	}
	return out
}

// checkInvariants waits until the platform is quiet (every outbox relayed,
// every consumer caught up) and then fails the test unless every invariant
// of the saga holds. Checking before the platform is quiet could pass on a
// state that the next event changes.
func checkInvariants(t *testing.T) {
	t.Helper()
	eventually(t, func() error {
		ctx := testContext(t)
		if err := invariants.Quiet(ctx, shop.sources, shop.js); err != nil {
			return err
		}
		r, err := invariants.Check(ctx, shop.sources, invariants.Options{Baseline: shop.baseline})
		if err != nil {
			return err
		}
		if !r.OK() {
			return errors.New(r.String())
		}
		return invariants.Quiet(ctx, shop.sources, shop.js) // nothing moved while the stores were read
	})
}

// eventually is testkit.EventuallyErr with the suite's timeout.
func eventually(t *testing.T, fn func() error) {
	t.Helper()
	testkit.EventuallyErr(t, quietTimeout, fn)
}

func line(sku string, quantity int) client.Line { return client.Line{SKU: sku, Quantity: quantity} }

func reservedAtLeast(sku string, n int64) error {
	inv, err := shop.admin.Inventory(context.Background())
	if err != nil {
		return err
	}
	if inv[sku].Reserved < n {
		return fmt.Errorf("%s reserved %d, want at least %d", sku, inv[sku].Reserved, n)
	}
	return nil
}

func isStatus(err error, status int) bool {
	var e *client.Error
	return errors.As(err, &e) && e.Status == status
}
