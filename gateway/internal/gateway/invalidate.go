package gateway

import (
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/schemas"
)

// stockChanged is the subject filter of every stock change; the last token is the SKU.
var stockChanged = schemas.TypeInventoryStockChangedV1 + ".>"

// subscribe invalidates the catalogue cache on every stock change. A plain
// core NATS subscription sees each event as JetStream stores it; a missed
// message while disconnected costs at most one cache TTL of staleness.
func (g *Gateway) subscribe(b *bus.Bus) error {
	if b == nil || g.cache == nil {
		return nil
	}
	sub, err := b.Conn().Subscribe(stockChanged, func(m *nats.Msg) {
		sku := m.Subject[strings.LastIndexByte(m.Subject, '.')+1:]
		g.invalidateSKU(sku)
		g.log.Debug("catalogue cache invalidated", "sku", sku)
	})
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", stockChanged, err)
	}
	g.sub = sub
	return nil
}
