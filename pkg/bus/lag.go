package bus

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// lagInterval is how often a consumer reads its lag from JetStream.
const lagInterval = 5 * time.Second

// watchLag publishes the consumer's lag every lagInterval until ctx is done.
func (c *Consumer) watchLag(ctx context.Context) {
	defer c.supervisor.Done()
	ticker := time.NewTicker(lagInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		c.readLag(ctx)
	}
}

// readLag reads the consumer's info once; while JetStream cannot answer the
// gauges keep their last values.
func (c *Consumer) readLag(ctx context.Context) {
	c.mu.Lock()
	cons := c.cons
	c.mu.Unlock()
	if cons == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, lagInterval)
	defer cancel()
	info, err := cons.Info(ctx)
	if err != nil {
		return
	}
	c.setLag(info)
}

func (c *Consumer) setLag(info *jetstream.ConsumerInfo) {
	c.b.metrics.lag(c.cfg.Durable, info, c.outage.Down())
}
