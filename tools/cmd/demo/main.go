// Command demo places one order of each outcome through the gateway of a
// running platform (make run or make up) and prints what happened to each.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/eventshop/eventshop/tools/client"
)

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
	{name: "out of stock", method: "tok_visa", qty: func(a int64) int { return int(a) + 1 }, want: "REJECTED"},
	{name: "card declined", method: "tok_decline", qty: one, want: "CANCELLED"},
	{name: "provider timeout", method: "tok_timeout", qty: one, want: "CANCELLED"},
	{name: "cancelled by customer", method: "tok_timeout", qty: one, cancel: true, want: "CANCELLED"},
}

func one(int64) int { return 1 }

func main() {
	base := flag.String("url", envOr("EVENTSHOP_URL", "http://localhost:8080"), "the gateway's URL")
	sku := flag.String("sku", "SKU-KEYBOARD", "the product to order")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, client.ViaGateway(*base), *sku); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c *client.Client, sku string) error {
	token, err := c.Login(ctx, "alice")
	if err != nil {
		return fmt.Errorf("log in as alice (is the platform running, with the development issuer on?): %w", err)
	}
	alice := c.As(token)
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SCENARIO\tORDER\tSTATUS\tREASON\tTOOK\tAS EXPECTED")
	for _, s := range scenarios {
		o, took, err := play(ctx, alice, sku, s)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%v\n", s.name, o.ID, o.Status, o.Reason, took.Round(time.Millisecond), o.Status == s.want)
	}
	return w.Flush()
}

func play(ctx context.Context, c *client.Client, sku string, s scenario) (client.Order, time.Duration, error) {
	products, err := c.Products(ctx)
	if err != nil {
		return client.Order{}, 0, err
	}
	var available int64
	for _, p := range products {
		if p.SKU == sku {
			available = p.Available
		}
	}
	start := time.Now()
	o, err := c.PlaceOrder(ctx, []client.Line{{SKU: sku, Quantity: s.qty(available)}}, s.method, "")
	if err != nil {
		return o, 0, err
	}
	if s.cancel {
		if _, err := c.Cancel(ctx, o.ID); err != nil {
			return o, 0, fmt.Errorf("cancel: %w", err)
		}
	}
	o, err = c.WaitFinal(ctx, o.ID)
	return o, time.Since(start), err
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
