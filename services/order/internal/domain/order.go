// Package domain holds the order aggregate and its rules. It does no I/O and
// knows nothing of JSON, SQL or NATS.
package domain

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Currency is the only currency the shop sells in.
const Currency = "EUR"

// Reasons an order is cancelled, as carried by order.cancelled.v1.
const (
	ReasonCustomer      = "customer"
	ReasonPaymentFailed = "payment_failed"
	ReasonTimeout       = "timeout"
)

// Sentinel errors of the order aggregate.
var (
	// ErrNotPending is returned by a transition on an order that is already final.
	ErrNotPending = errors.New("order is not pending")
	// ErrNotFound is returned by repositories for an unknown order.
	ErrNotFound = errors.New("order not found")
	// ErrInvalidOrder wraps every validation failure of a new order.
	ErrInvalidOrder = errors.New("invalid order")
	// ErrUnknownProduct is returned when a line names a product that has no price.
	ErrUnknownProduct = errors.New("unknown product")
)

// Order is the order aggregate: who bought what at which price, and where the
// saga stands. Only PENDING orders change; every other status is final.
type Order struct {
	id            uuid.UUID
	customerID    string
	lines         []Line
	totalCents    int64
	paymentMethod string
	status        Status
	reason        string
	createdAt     time.Time
	updatedAt     time.Time
}

// NewOrder validates a new order for customerID and prices its lines from
// prices (unit price in cents per SKU). A SKU without a price is an error
// wrapping ErrUnknownProduct. The order gets a UUIDv7 so ids sort by time.
func NewOrder(customerID string, items []Item, prices map[string]int64, paymentMethod string, now time.Time) (*Order, error) {
	if customerID == "" {
		return nil, fmt.Errorf("%w: customer is required", ErrInvalidOrder)
	}
	if err := ValidateItems(items); err != nil {
		return nil, err
	}
	if err := ValidatePaymentMethod(paymentMethod); err != nil {
		return nil, err
	}
	lines, total, err := priceLines(items, prices)
	if err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("order id: %w", err)
	}
	now = instant(now)
	return &Order{
		id: id, customerID: customerID, lines: lines, totalCents: total,
		paymentMethod: paymentMethod, status: StatusPending, createdAt: now, updatedAt: now,
	}, nil
}

func priceLines(items []Item, prices map[string]int64) ([]Line, int64, error) {
	lines := make([]Line, 0, len(items))
	var total int64
	var missing []string
	for _, it := range items {
		price, ok := prices[it.sku]
		if !ok {
			missing = append(missing, it.sku)
			continue
		}
		if price < 0 {
			return nil, 0, fmt.Errorf("%w: negative price for %s", ErrInvalidOrder, it.sku)
		}
		lines = append(lines, Line{item: it, priceCents: price})
		total += price * int64(it.quantity)
	}
	if len(missing) > 0 {
		return nil, 0, &UnknownProductsError{SKUs: missing}
	}
	return lines, total, nil
}

// UnknownProductsError names the SKUs that have no price. It matches
// ErrUnknownProduct with errors.Is.
type UnknownProductsError struct {
	SKUs []string
}

// Error implements error.
func (e *UnknownProductsError) Error() string {
	return fmt.Sprintf("unknown product %v", e.SKUs)
}

// Is makes errors.Is(err, ErrUnknownProduct) true.
func (e *UnknownProductsError) Is(target error) bool { return target == ErrUnknownProduct }

// ID is the order id.
func (o *Order) ID() uuid.UUID { return o.id }

// CustomerID is the user name of the customer who placed the order.
func (o *Order) CustomerID() string { return o.customerID }

// Lines are the priced lines, in the order they were placed.
func (o *Order) Lines() []Line { return append([]Line(nil), o.lines...) }

// TotalCents is the sum of quantity times unit price over all lines.
func (o *Order) TotalCents() int64 { return o.totalCents }

// Currency is the order's currency.
func (o *Order) Currency() string { return Currency }

// PaymentMethod is the payment token the customer chose ("tok_visa").
func (o *Order) PaymentMethod() string { return o.paymentMethod }

// Status is where the saga stands.
func (o *Order) Status() Status { return o.status }

// Reason says why an order was rejected or cancelled; empty otherwise.
func (o *Order) Reason() string { return o.reason }

// CreatedAt is when the order was placed.
func (o *Order) CreatedAt() time.Time { return o.createdAt }

// UpdatedAt is when the order last changed.
func (o *Order) UpdatedAt() time.Time { return o.updatedAt }

// instant is t in UTC to the microsecond, the precision databases keep, so
// an order reads back exactly as it was created.
func instant(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
