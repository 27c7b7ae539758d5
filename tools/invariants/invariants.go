// Package invariants verifies, from the services' own databases, the
// properties the order saga promises after any load or fault: every order
// final, stock conserved and never negative, no reservation held without an
// order in flight, exactly the confirmed orders captured once for their
// total, one sent notification per final order, and every outbox drained.
// Load generators, fault tests and benchmarks run it when the system is quiet.
package invariants

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Sources are read-only handles on each service's store.
type Sources struct {
	Order     *pgxpool.Pool
	Inventory *pgxpool.Pool
	Payment   *pgxpool.Pool
	// Notifications is the notification service's database.
	Notifications *mongo.Database
}

// Options tune what is checked.
type Options struct {
	// Baseline is each product's total stock (available + reserved + sold)
	// before the run, from Snapshot; nil skips the conservation check.
	Baseline map[string]int64
}

// Effect says what a violation means for the promise that nothing is lost
// or repeated, so that fault tests can count them apart.
type Effect string

// The effects of a broken invariant.
const (
	// Lost: an effect that should have happened did not (a notification,
	// a capture, a sale, a release, an order the caller was told about).
	Lost Effect = "lost"
	// Duplicated: an effect happened twice or without its cause.
	Duplicated Effect = "duplicated"
	// Stuck: work still waiting (an order not final, an outbox not drained).
	Stuck Effect = "stuck"
)

// Violation is one broken invariant, named by order or product.
type Violation struct {
	Rule    string // e.g. "order_final", "stock_conserved"
	Effect  Effect
	OrderID string
	SKU     string
	Detail  string
}

// String renders the violation for a report line.
func (v Violation) String() string {
	var who []string
	if v.OrderID != "" {
		who = append(who, "order "+v.OrderID)
	}
	if v.SKU != "" {
		who = append(who, "sku "+v.SKU)
	}
	return fmt.Sprintf("%s (%s) [%s]: %s", v.Rule, v.Effect, strings.Join(who, ", "), v.Detail)
}

// Report is the outcome of Check.
type Report struct {
	Orders     int
	ByStatus   map[string]int
	Violations []Violation
}

// Count returns how many violations have effect e.
func (r Report) Count(e Effect) int {
	n := 0
	for _, v := range r.Violations {
		if v.Effect == e {
			n++
		}
	}
	return n
}

// OK reports whether no invariant is broken.
func (r Report) OK() bool { return len(r.Violations) == 0 }

// String summarises the report, one violation per line.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d orders %v, %d violations", r.Orders, r.ByStatus, len(r.Violations))
	for _, v := range r.Violations {
		b.WriteString("\n  " + v.String())
	}
	return b.String()
}

// Check reads every store and reports each broken invariant. Call it when
// the platform is quiet: an order still in flight is reported as not final.
func Check(ctx context.Context, src Sources, opts Options) (Report, error) {
	orders, err := loadOrders(ctx, src.Order)
	if err != nil {
		return Report{}, err
	}
	products, err := loadProducts(ctx, src.Inventory)
	if err != nil {
		return Report{}, err
	}
	payments, err := loadPayments(ctx, src.Payment)
	if err != nil {
		return Report{}, err
	}
	notes, err := loadNotifications(ctx, src.Notifications)
	if err != nil {
		return Report{}, err
	}
	held, err := loadHeldReservations(ctx, src.Inventory)
	if err != nil {
		return Report{}, err
	}
	backlog, err := loadBacklogs(ctx, src)
	if err != nil {
		return Report{}, err
	}
	r := Report{Orders: len(orders), ByStatus: map[string]int{}}
	for _, o := range orders {
		r.ByStatus[o.Status]++
	}
	r.Violations = append(r.Violations, checkOrders(orders)...)
	r.Violations = append(r.Violations, checkStock(orders, products, opts.Baseline)...)
	r.Violations = append(r.Violations, checkPayments(orders, payments)...)
	r.Violations = append(r.Violations, checkNotifications(orders, notes)...)
	r.Violations = append(r.Violations, checkReservations(orders, held)...)
	r.Violations = append(r.Violations, checkBacklogs(backlog)...)
	sort.SliceStable(r.Violations, func(i, j int) bool { return r.Violations[i].Rule < r.Violations[j].Rule })
	return r, nil
}

// Snapshot returns each product's total stock, the baseline for a later Check.
func Snapshot(ctx context.Context, inventory *pgxpool.Pool) (map[string]int64, error) {
	products, err := loadProducts(ctx, inventory)
	if err != nil {
		return nil, err
	}
	totals := make(map[string]int64, len(products))
	for sku, p := range products {
		totals[sku] = p.Available + p.Reserved + p.Sold
	}
	return totals, nil
}
