// Package mongo stores notifications in a MongoDB collection, one document
// per order with _id = order id, and the document's pending events in its
// outbox array for outbox.MongoRelay.
package mongo

import (
	"time"

	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// document is a notification as stored. Times are BSON dates (milliseconds).
type document struct {
	ID            string    `bson:"_id"`
	CustomerID    string    `bson:"customer_id"`
	Kind          string    `bson:"kind"`
	Subject       string    `bson:"subject"`
	Body          string    `bson:"body"`
	Status        string    `bson:"status"`
	Attempts      int       `bson:"attempts"`
	Channel       string    `bson:"channel,omitempty"`
	LastError     string    `bson:"last_error,omitempty"`
	CreatedAt     time.Time `bson:"created_at"`
	SentAt        time.Time `bson:"sent_at,omitempty"`
	NextAttemptAt time.Time `bson:"next_attempt_at,omitempty"`
	// EventID is the order event that created the notification.
	EventID string `bson:"event_id,omitempty"`
	// TraceParent is the trace of that event, which the sent event continues.
	TraceParent string `bson:"trace_parent,omitempty"`
}

func toDocument(n domain.Notification, eventID, traceParent string) document {
	s := n.Snapshot()
	return document{
		ID: s.ID, CustomerID: s.CustomerID, Kind: string(s.Kind), Subject: s.Subject, Body: s.Body,
		Status: string(s.Status), Attempts: s.Attempts, Channel: s.Channel, LastError: s.LastError,
		CreatedAt: s.CreatedAt, SentAt: s.SentAt, NextAttemptAt: s.NextAttemptAt, EventID: eventID,
		TraceParent: traceParent,
	}
}

func toDomain(d document) (domain.Notification, error) {
	return domain.Restore(domain.Snapshot{
		ID: d.ID, CustomerID: d.CustomerID, Kind: domain.Kind(d.Kind), Subject: d.Subject, Body: d.Body,
		Status: domain.Status(d.Status), Attempts: d.Attempts, Channel: d.Channel, LastError: d.LastError,
		CreatedAt: d.CreatedAt.UTC(), SentAt: utcOrZero(d.SentAt), NextAttemptAt: utcOrZero(d.NextAttemptAt),
	})
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() || t.Unix() == 0 {
		return time.Time{}
	}
	return t.UTC()
}
