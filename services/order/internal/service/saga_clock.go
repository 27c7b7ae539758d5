package service

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// sagaClockQueue is the queue group of the saga clock: with several
// replicas, each final event is timed by one of them.
const sagaClockQueue = "order-saga-clock"

// finalStatuses maps the type of each final event of the saga to the status
// it announces.
func finalStatuses() map[string]domain.Status {
	return map[string]domain.Status{
		schemas.TypeOrderConfirmedV1: domain.StatusConfirmed,
		schemas.TypeOrderRejectedV1:  domain.StatusRejected,
		schemas.TypeOrderCancelledV1: domain.StatusCancelled,
	}
}

// startSagaClock times every saga end to end, as a client of the events
// sees it: from the order's placement, the time in its UUIDv7 id, to the
// moment its final event reaches a subscriber on the bus, so that the
// delay of the outbox and the bus is part of the figure. It runs until the
// returned subscription is drained.
func startSagaClock(nc *nats.Conn, observe func(domain.Status, time.Duration)) (*nats.Subscription, error) {
	statuses := finalStatuses()
	sub, err := nc.QueueSubscribe("order.*.*.*", sagaClockQueue, func(m *nats.Msg) {
		status, ok := statuses[m.Header.Get(bus.HeaderType)]
		if !ok {
			return
		}
		id, err := uuid.Parse(m.Subject[strings.LastIndexByte(m.Subject, '.')+1:])
		if err != nil || id.Version() != 7 {
			return
		}
		sec, nsec := id.Time().UnixTime()
		observe(status, time.Since(time.Unix(sec, nsec)))
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe saga clock: %w", err)
	}
	return sub, nil
}
