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
// core NATS subscription sees each event as JetStream stores it. Messages
// published while the gateway was disconnected are missed, so a reconnect
// empties the cache.
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
	nc := b.Conn()
	prev := nc.Opts.ReconnectedCB
	nc.SetReconnectHandler(func(c *nats.Conn) {
		if prev != nil {
			prev(c)
		}
		g.cache.Invalidate(func(string) bool { return true })
		g.log.Info("catalogue cache emptied after a nats reconnect")
	})
	return nil
}
