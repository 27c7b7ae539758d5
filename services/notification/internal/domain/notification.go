// Package domain holds the notification service's model: one notification
// per order telling its customer of the order's final state, and the rules
// of its delivery. It does no I/O.
package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

var (
	// ErrInvalid marks a notification that cannot be built from its input.
	ErrInvalid = errors.New("invalid notification")
	// ErrAlreadySent marks a delivery outcome recorded for a sent notification.
	ErrAlreadySent = errors.New("notification already sent")
)

// Notification tells one customer of one order's final state. Its id is the
// order id, so an order has at most one.
type Notification struct {
	id            string
	customerID    string
	kind          Kind
	subject       string
	body          string
	status        Status
	attempts      int
	channel       string
	lastError     string
	createdAt     time.Time
	sentAt        time.Time
	nextAttemptAt time.Time
}

// Final describes an order's final state as the order service announced it.
type Final struct {
	OrderID    string
	CustomerID string
	Kind       Kind
	// Reason is why an order was rejected or cancelled; empty when confirmed.
	Reason string
	// TotalCents and Currency are the confirmed order's total.
	TotalCents int64
	Currency   string
}

// New returns a PENDING notification of f, due for delivery at now.
func New(f Final, now time.Time) (Notification, error) {
	if strings.TrimSpace(f.OrderID) == "" {
		return Notification{}, fmt.Errorf("%w: order id is required", ErrInvalid)
	}
	if strings.TrimSpace(f.CustomerID) == "" {
		return Notification{}, fmt.Errorf("%w: customer id is required", ErrInvalid)
	}
	if !f.Kind.Valid() {
		return Notification{}, fmt.Errorf("%w: unknown kind %q", ErrInvalid, f.Kind)
	}
	if now.IsZero() {
		return Notification{}, fmt.Errorf("%w: creation time is required", ErrInvalid)
	}
	subject, body := text(f)
	return Notification{
		id: f.OrderID, customerID: f.CustomerID, kind: f.Kind, subject: subject, body: body,
		status: StatusPending, createdAt: now, nextAttemptAt: now,
	}, nil
}

// text is the message a customer reads.
func text(f Final) (subject, body string) {
	switch f.Kind {
	case KindConfirmed:
		return "Your order is confirmed",
			fmt.Sprintf("Order %s is confirmed; %s has been charged.", f.OrderID, money(f.TotalCents, f.Currency))
	case KindRejected:
		return "Your order could not be placed",
			fmt.Sprintf("Order %s was rejected (%s); nothing was charged.", f.OrderID, orUnknown(f.Reason))
	default:
		return "Your order was cancelled",
			fmt.Sprintf("Order %s was cancelled (%s); nothing was charged.", f.OrderID, orUnknown(f.Reason))
	}
}

func money(cents int64, currency string) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, cents/100, cents%100, currency)
}

func orUnknown(reason string) string {
	if reason == "" {
		return "no reason given"
	}
	return strings.ReplaceAll(reason, "_", " ")
}

// ID is the notification's id, which is its order's id.
func (n Notification) ID() string { return n.id }

// CustomerID is the user name of the customer told.
func (n Notification) CustomerID() string { return n.customerID }

// Kind is the final state told of.
func (n Notification) Kind() Kind { return n.kind }

// Subject is the message's one-line summary.
func (n Notification) Subject() string { return n.subject }

// Body is the message's text.
func (n Notification) Body() string { return n.body }

// Status is the delivery status.
func (n Notification) Status() Status { return n.status }

// Attempts is how many delivery rounds were made.
func (n Notification) Attempts() int { return n.attempts }

// Channel is the channel that delivered it; empty until SENT.
func (n Notification) Channel() string { return n.channel }

// LastError is why the last delivery round failed.
func (n Notification) LastError() string { return n.lastError }

// CreatedAt is when the notification was recorded.
func (n Notification) CreatedAt() time.Time { return n.createdAt }

// SentAt is when it was delivered; zero until SENT.
func (n Notification) SentAt() time.Time { return n.sentAt }

// NextAttemptAt is when the next delivery round is due.
func (n Notification) NextAttemptAt() time.Time { return n.nextAttemptAt }
