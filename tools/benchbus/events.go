package main

import (
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/schemas"
)

// rejectedEvents builds n valid order.rejected.v1 events whose JSON payload
// is padded (in the free-text reason) to size bytes.
func rejectedEvents(n, size int) ([]event.Event, error) {
	evs := make([]event.Event, n)
	for i := range evs {
		orderID := uuid.Must(uuid.NewV7()).String()
		payload := schemas.OrderRejectedV1{OrderID: orderID, CustomerID: "bench", Reason: "x"}
		// The payload without reason text is 85 bytes with a 5-byte customer.
		if pad := size - 85; pad > 1 {
			payload.Reason = strings.Repeat("x", min(pad, 256))
		}
		ev, err := event.New("bench", schemas.TypeOrderRejectedV1, orderID, payload)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		evs[i] = ev
	}
	return evs, nil
}
