// Command demo places one order of each outcome through the gateway of a
// running platform (make run or make up) and prints what happened to each.
// It restocks the product it orders first when too little is left, so that
// it shows every outcome on a shop that has been used too.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/eventshop/eventshop/tools/client"
	"github.com/eventshop/eventshop/tools/demo"
)

func main() {
	base := flag.String("url", envOr("EVENTSHOP_URL", "http://localhost:8080"), "the gateway's URL")
	sku := flag.String("sku", "SKU-KEYBOARD", "the product to order")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, client.ViaGateway(*base), *sku, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c *client.Client, sku string, out io.Writer) error {
	rep, err := demo.Run(ctx, c, sku)
	if rep.Restocked > 0 {
		fmt.Fprintf(out, "restocked %s by %d first, as admin\n", sku, rep.Restocked)
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SCENARIO\tORDER\tSTATUS\tREASON\tTOOK\tAS EXPECTED")
	for _, r := range rep.Results {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%v\n", r.Scenario, r.OrderID, r.Status, r.Reason, r.Took.Round(time.Millisecond), r.Expected())
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
