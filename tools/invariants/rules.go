package invariants

import (
	"fmt"
	"strings"
)

const (
	statusPending   = "PENDING"
	statusConfirmed = "CONFIRMED"
	statusSent      = "SENT" // a notification's status once delivered
)

func checkOrders(orders map[string]order) []Violation {
	var out []Violation
	for id, o := range orders {
		if o.Status == statusPending {
			out = append(out, Violation{Rule: "order_final", Effect: Stuck, OrderID: id, Detail: "still PENDING"})
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
			out = append(out, Violation{Rule: "stock_non_negative", Effect: Duplicated, SKU: sku,
				Detail: fmt.Sprintf("available %d reserved %d sold %d", p.Available, p.Reserved, p.Sold)})
		}
		if p.Reserved != 0 {
			out = append(out, Violation{Rule: "no_reservation_left", Effect: Lost, SKU: sku, Detail: fmt.Sprintf("reserved %d when quiet", p.Reserved)})
		}
		if p.Sold != sold[sku] {
			out = append(out, Violation{Rule: "sold_matches_confirmed", Effect: more(p.Sold, sold[sku]), SKU: sku,
				Detail: fmt.Sprintf("sold %d, confirmed orders hold %d", p.Sold, sold[sku])})
		}
		if want, ok := baseline[sku]; ok && p.Available+p.Reserved+p.Sold != want {
			out = append(out, Violation{Rule: "stock_conserved", Effect: more(p.Available+p.Reserved+p.Sold, want), SKU: sku,
				Detail: fmt.Sprintf("available+reserved+sold = %d, initial %d", p.Available+p.Reserved+p.Sold, want)})
		}
	}
	for sku := range sold {
		if _, ok := products[sku]; !ok {
			out = append(out, Violation{Rule: "sold_matches_confirmed", Effect: Duplicated, SKU: sku, Detail: "confirmed order for an unknown product"})
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
			out = append(out, Violation{Rule: "confirmed_captured", Effect: Lost, OrderID: id, Detail: "no payment"})
		case o.Status == statusConfirmed && p.Status != "CAPTURED":
			out = append(out, Violation{Rule: "confirmed_captured", Effect: Lost, OrderID: id, Detail: "payment " + p.Status})
		case o.Status == statusConfirmed && p.AmountCents != o.TotalCents:
			out = append(out, Violation{Rule: "captured_total", Effect: Duplicated, OrderID: id,
				Detail: fmt.Sprintf("captured %d, total %d", p.AmountCents, o.TotalCents)})
		case o.Status != statusConfirmed && ok && p.Status == "CAPTURED":
			out = append(out, Violation{Rule: "only_confirmed_captured", Effect: Duplicated, OrderID: id, Detail: "captured but " + o.Status})
		case o.Status != statusConfirmed && o.Status != statusPending && ok && p.Status == "AUTHORISED":
			out = append(out, Violation{Rule: "no_authorisation_left", Effect: Lost, OrderID: id, Detail: "authorised but " + o.Status})
		}
	}
	for id := range payments {
		if _, ok := orders[id]; !ok {
			out = append(out, Violation{Rule: "payment_has_order", Effect: Duplicated, OrderID: id, Detail: "payment for an unknown order"})
		}
	}
	return out
}

func checkNotifications(orders map[string]order, notes map[string][]note) []Violation {
	var out []Violation
	for id, o := range orders {
		got := notes[id]
		switch {
		case o.Status == statusPending:
		case len(got) == 0:
			out = append(out, Violation{Rule: "one_notification", Effect: Lost, OrderID: id, Detail: "no notification"})
		case len(got) > 1:
			out = append(out, Violation{Rule: "one_notification", Effect: Duplicated, OrderID: id, Detail: fmt.Sprintf("%d notifications", len(got))})
		case got[0].Kind != "order."+strings.ToLower(o.Status):
			out = append(out, Violation{Rule: "one_notification", Effect: Duplicated, OrderID: id, Detail: "notified " + got[0].Kind + " for " + o.Status})
		case got[0].Status != statusSent:
			// Recorded but not yet delivered: work still waiting, which a
			// longer wait may finish, not an event that never arrived.
			out = append(out, Violation{Rule: "notification_sent", Effect: Stuck, OrderID: id, Detail: "notification " + got[0].Status})
		}
	}
	return out
}

// checkReservations finds stock held for an order that is no longer in
// flight: a release or a commit that never happened.
func checkReservations(orders map[string]order, held []string) []Violation {
	var out []Violation
	for _, id := range held {
		o, ok := orders[id]
		switch {
		case !ok:
			out = append(out, Violation{Rule: "reservation_has_order", Effect: Duplicated, OrderID: id, Detail: "stock held for an unknown order"})
		case o.Status != statusPending:
			out = append(out, Violation{Rule: "reservation_has_order", Effect: Lost, OrderID: id, Detail: "stock held for a " + o.Status + " order"})
		}
	}
	return out
}

// checkBacklogs reports every store whose outbox still holds events.
func checkBacklogs(backlog map[string]int) []Violation {
	var out []Violation
	for store, n := range backlog {
		if n > 0 {
			out = append(out, Violation{Rule: "outbox_drained", Effect: Stuck, Detail: fmt.Sprintf("%s: %d events unsent", store, n)})
		}
	}
	return out
}

// more is the effect of a count that should be want: Duplicated above it,
// Lost below.
func more(got, want int64) Effect {
	if got > want {
		return Duplicated
	}
	return Lost
}
