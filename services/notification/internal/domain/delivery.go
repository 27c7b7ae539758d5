package domain

import (
	"fmt"
	"time"
)

// RetryPolicy says when a notification whose delivery failed is tried again.
// Every zero value means the documented default.
type RetryPolicy struct {
	// MaxAttempts is how many failed rounds turn the notification FAILED.
	// Default 5.
	MaxAttempts int
	// Backoff is the pause after the first failed round, doubled after each
	// further one while PENDING. Default 1s.
	Backoff time.Duration
	// RetryAfter is the pause before a FAILED notification is tried again.
	// Default 5m.
	RetryAfter time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.Backoff <= 0 {
		p.Backoff = time.Second
	}
	if p.RetryAfter <= 0 {
		p.RetryAfter = 5 * time.Minute
	}
	return p
}

// Delivered marks the notification SENT through channel at now.
func (n *Notification) Delivered(channel string, now time.Time) error {
	if n.status == StatusSent {
		return ErrAlreadySent
	}
	n.attempts++
	n.status, n.channel, n.sentAt, n.lastError = StatusSent, channel, now, ""
	n.nextAttemptAt = time.Time{}
	return nil
}

// DeliveryFailed counts a failed round: the notification stays PENDING with
// a doubling backoff until p.MaxAttempts rounds failed, then turns FAILED
// and is tried again after p.RetryAfter.
func (n *Notification) DeliveryFailed(cause string, now time.Time, p RetryPolicy) error {
	if n.status == StatusSent {
		return ErrAlreadySent
	}
	p = p.withDefaults()
	n.attempts++
	n.lastError = cause
	if n.attempts >= p.MaxAttempts {
		n.status, n.nextAttemptAt = StatusFailed, now.Add(p.RetryAfter)
		return nil
	}
	shift := min(n.attempts-1, 16) // bounds the doubling well below overflow
	n.status, n.nextAttemptAt = StatusPending, now.Add(p.Backoff<<shift)
	return nil
}

// Postpone moves the next round to at without counting an attempt, for a
// channel that refused the message without trying (an open breaker).
func (n *Notification) Postpone(at time.Time) error {
	if n.status == StatusSent {
		return ErrAlreadySent
	}
	n.nextAttemptAt = at
	return nil
}

// Snapshot is a notification's state, for repositories.
type Snapshot struct {
	ID, CustomerID     string
	Kind               Kind
	Subject, Body      string
	Status             Status
	Attempts           int
	Channel, LastError string
	CreatedAt, SentAt  time.Time
	NextAttemptAt      time.Time
}

// Snapshot returns the notification's state.
func (n Notification) Snapshot() Snapshot {
	return Snapshot{
		ID: n.id, CustomerID: n.customerID, Kind: n.kind, Subject: n.subject, Body: n.body,
		Status: n.status, Attempts: n.attempts, Channel: n.channel, LastError: n.lastError,
		CreatedAt: n.createdAt, SentAt: n.sentAt, NextAttemptAt: n.nextAttemptAt,
	}
}

// Restore rebuilds a stored notification, checking what New checks.
func Restore(s Snapshot) (Notification, error) {
	if s.ID == "" || s.CustomerID == "" || !s.Kind.Valid() {
		return Notification{}, fmt.Errorf("%w: stored notification %q is incomplete", ErrInvalid, s.ID)
	}
	if _, err := ParseStatus(string(s.Status)); err != nil {
		return Notification{}, err
	}
	return Notification{
		id: s.ID, customerID: s.CustomerID, kind: s.Kind, subject: s.Subject, body: s.Body,
		status: s.Status, attempts: s.Attempts, channel: s.Channel, lastError: s.LastError,
		createdAt: s.CreatedAt, sentAt: s.SentAt, nextAttemptAt: s.NextAttemptAt,
	}, nil
}
