package invariants

import (
	"fmt"
	"strings"
)

const (
	statusPending   = "PENDING"
	statusConfirmed = "CONFIRMED"
)

func checkOrders(orders map[string]order) []Violation {
	var out []Violation
	for id, o := range orders {
		if o.Status == statusPending {
			out = append(out, Violation{Rule: "order_final", OrderID: id, Detail: "still PENDING"})
		}
	}
	return out
}

func checkStock(orders map[string]order, products map[string]product, baseline map[string]int64) []Violation {
	var out []Violation
	sold := map[string]int64{}
	for _, o := range orders {
		if o.Status != statusConfirmed {
			continue
		}
		for _, l := range o.Lines {
			sold[l.SKU] += l.Quantity
		}
	}
	for sku, p := range products {
		if p.Available < 0 || p.Reserved < 0 || p.Sold < 0 {
			out = append(out, Violation{Rule: "stock_non_negative", SKU: sku,
				Detail: fmt.Sprintf("available %d reserved %d sold %d", p.Available, p.Reserved, p.Sold)})
		}
		if p.Reserved != 0 {
			out = append(out, Violation{Rule: "no_reservation_left", SKU: sku, Detail: fmt.Sprintf("reserved %d when quiet", p.Reserved)})
		}
		if p.Sold != sold[sku] {
			out = append(out, Violation{Rule: "sold_matches_confirmed", SKU: sku,
				Detail: fmt.Sprintf("sold %d, confirmed orders hold %d", p.Sold, sold[sku])})
		}
		if want, ok := baseline[sku]; ok && p.Available+p.Reserved+p.Sold != want {
			out = append(out, Violation{Rule: "stock_conserved", SKU: sku,
				Detail: fmt.Sprintf("available+reserved+sold = %d, initial %d", p.Available+p.Reserved+p.Sold, want)})
		}
	}
	for sku := range sold {
		if _, ok := products[sku]; !ok {
			out = append(out, Violation{Rule: "sold_matches_confirmed", SKU: sku, Detail: "confirmed order for an unknown product"})
		}
	}
	return out
}

func checkPayments(orders map[string]order, payments map[string]payment) []Violation {
	var out []Violation
	for id, o := range orders {
		p, ok := payments[id]
		switch {
		case o.Status == statusConfirmed && !ok:
			out = append(out, Violation{Rule: "confirmed_captured", OrderID: id, Detail: "no payment"})
		case o.Status == statusConfirmed && p.Status != "CAPTURED":
			out = append(out, Violation{Rule: "confirmed_captured", OrderID: id, Detail: "payment " + p.Status})
		case o.Status == statusConfirmed && p.AmountCents != o.TotalCents:
			out = append(out, Violation{Rule: "captured_total", OrderID: id,
				Detail: fmt.Sprintf("captured %d, total %d", p.AmountCents, o.TotalCents)})
		case o.Status != statusConfirmed && ok && p.Status == "CAPTURED":
			out = append(out, Violation{Rule: "only_confirmed_captured", OrderID: id, Detail: "captured but " + o.Status})
		case o.Status != statusConfirmed && o.Status != statusPending && ok && p.Status == "AUTHORISED":
			out = append(out, Violation{Rule: "no_authorisation_left", OrderID: id, Detail: "authorised but " + o.Status})
		}
	}
	for id := range payments {
		if _, ok := orders[id]; !ok {
			out = append(out, Violation{Rule: "payment_has_order", OrderID: id, Detail: "payment for an unknown order"})
		}
	}
	return out
}

func checkNotifications(orders map[string]order, notes map[string][]string) []Violation {
	var out []Violation
	for id, o := range orders {
		kinds := notes[id]
		switch {
		case o.Status == statusPending:
		case len(kinds) != 1:
			out = append(out, Violation{Rule: "one_notification", OrderID: id, Detail: fmt.Sprintf("%d notifications", len(kinds))})
		case kinds[0] != "order."+strings.ToLower(o.Status):
			out = append(out, Violation{Rule: "one_notification", OrderID: id, Detail: "notified " + kinds[0] + " for " + o.Status})
		}
	}
	return out
}
