package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Status is the state of an order's saga.
type Status string

// The statuses of an order. PENDING is the only one that changes.
const (
	StatusPending   Status = "PENDING"
	StatusConfirmed Status = "CONFIRMED"
	StatusRejected  Status = "REJECTED"
	StatusCancelled Status = "CANCELLED"
)

// ParseStatus returns the Status named s.
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case StatusPending, StatusConfirmed, StatusRejected, StatusCancelled:
		return st, nil
	}
	return "", fmt.Errorf("unknown order status %q", s)
}

// IsFinal reports whether the saga is over.
func (s Status) IsFinal() bool { return s != StatusPending }

// Confirm marks a pending order paid for.
func (o *Order) Confirm(now time.Time) error {
	return o.finish(StatusConfirmed, "", now)
}

// Reject marks a pending order as impossible to fulfil, for reason.
func (o *Order) Reject(reason string, now time.Time) error {
	return o.finish(StatusRejected, reason, now)
}

// Cancel cancels a pending order, for reason (ReasonCustomer,
// ReasonPaymentFailed or ReasonTimeout).
func (o *Order) Cancel(reason string, now time.Time) error {
	return o.finish(StatusCancelled, reason, now)
}

func (o *Order) finish(to Status, reason string, now time.Time) error {
	if o.status != StatusPending {
		return fmt.Errorf("%w: order %s is %s", ErrNotPending, o.id, o.status)
	}
	o.status = to
	o.reason = reason
	o.updatedAt = instant(now)
	return nil
}

// Snapshot is an order's stored state, used only by repositories to load an
// order back; it bypasses validation because the data was valid when stored.
type Snapshot struct {
	ID            uuid.UUID
	CustomerID    string
	Lines         []Line
	TotalCents    int64
	PaymentMethod string
	Status        Status
	Reason        string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// FromSnapshot loads an order from storage.
func FromSnapshot(s Snapshot) *Order {
	return &Order{
		id: s.ID, customerID: s.CustomerID, lines: append([]Line(nil), s.Lines...),
		totalCents: s.TotalCents, paymentMethod: s.PaymentMethod, status: s.Status,
		reason: s.Reason, createdAt: s.CreatedAt.UTC(), updatedAt: s.UpdatedAt.UTC(),
	}
}
