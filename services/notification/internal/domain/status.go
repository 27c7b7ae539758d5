package domain

import "fmt"

// Kind is the final order state a notification tells of.
type Kind string

// The kinds, named after the order events that cause them.
const (
	KindConfirmed Kind = "order.confirmed"
	KindRejected  Kind = "order.rejected"
	KindCancelled Kind = "order.cancelled"
)

// Valid reports whether k is one of the kinds.
func (k Kind) Valid() bool {
	return k == KindConfirmed || k == KindRejected || k == KindCancelled
}

// Status is a notification's delivery status.
type Status string

// The statuses. FAILED is not final: a failed notification is tried again
// after RetryPolicy.RetryAfter.
const (
	StatusPending Status = "PENDING"
	StatusSent    Status = "SENT"
	StatusFailed  Status = "FAILED"
)

// ParseStatus returns the status s names.
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case StatusPending, StatusSent, StatusFailed:
		return st, nil
	}
	return "", fmt.Errorf("%w: unknown status %q", ErrInvalid, s)
}
