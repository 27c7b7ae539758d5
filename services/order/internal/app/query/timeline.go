package query

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// ErrEventLogUnavailable is returned when the event log cannot be read now.
var ErrEventLogUnavailable = errors.New("event log unavailable")

// TimelineEvent is one event of an order's saga, from any service.
type TimelineEvent struct {
	ID      string
	Type    string
	Source  string
	Time    time.Time
	TraceID string
}

// EventLog reads the events published about one order.
type EventLog interface {
	// OrderEvents returns every stored event whose aggregate is the order, in
	// any order.
	OrderEvents(ctx context.Context, orderID uuid.UUID) ([]TimelineEvent, error)
}

// Timeline asks for an order's saga history as Viewer.
type Timeline struct {
	OrderID uuid.UUID
	Viewer  Viewer
}

// TimelineHandler reads an order's saga history.
type TimelineHandler struct {
	orders OrderReader
	events EventLog
}

// NewTimelineHandler returns a TimelineHandler.
func NewTimelineHandler(orders OrderReader, events EventLog) TimelineHandler {
	return TimelineHandler{orders: orders, events: events}
}

// Handle returns the order's events sorted by time, then id (UUIDv7 ids
// break ties in creation order). An order the viewer may not see is
// domain.ErrNotFound.
func (h TimelineHandler) Handle(ctx context.Context, q Timeline) ([]TimelineEvent, error) {
	if _, err := NewGetOrderHandler(h.orders).Handle(ctx, GetOrder(q)); err != nil {
		return nil, err
	}
	evs, err := h.events.OrderEvents(ctx, q.OrderID)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEventLogUnavailable, err)
	}
	slices.SortFunc(evs, func(a, b TimelineEvent) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.ID, b.ID))
	})
	return evs, nil
}
