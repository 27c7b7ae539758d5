package service_test

import (
	"strings"
	"testing"

	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/testkit"
)

// TestOutboxBacklogEmptiesOnceRelayed delivers a notification, whose sent
// event waits in its document's outbox until relayed, and checks that the
// service's /metrics reads the backlog from MongoDB: none left, no age.
func TestOutboxBacklogEmptiesOnceRelayed(t *testing.T) {
	t.Parallel()
	h := start(t)
	order := newOrderID(t)
	h.publish(h.final(schemas.TypeOrderConfirmedV1, order, "alice"))
	testkit.Eventually(t, waitFor, func() bool { return h.sentEvents(order) == 1 }, "no notification.sent.v1 for %s", order)
	testkit.Eventually(t, waitFor, func() bool {
		m := h.text("/metrics")
		return strings.Contains(m, `eventshop_outbox_backlog{service="notification"} 0`+"\n") &&
			strings.Contains(m, `eventshop_outbox_oldest_unsent_age_seconds{service="notification"} 0`+"\n")
	}, "/metrics does not show an empty outbox backlog")
}
