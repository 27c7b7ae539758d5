package bus

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// lagInterval is how often a consumer reads its lag from JetStream.
const lagInterval = 5 * time.Second

var (
	consumerPending = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "eventshop",
		Subsystem: "bus",
		Name:      "consumer_pending",
		Help:      "Messages of the stream the consumer has not been delivered yet, by consumer: its lag.",
	}, []string{"consumer"})

	consumerAckPending = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "eventshop",
		Subsystem: "bus",
		Name:      "consumer_ack_pending",
		Help:      "Messages delivered and not acked yet, by consumer; it grows while a dependency is unavailable.",
	}, []string{"consumer"})

	consumerWaiting = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "eventshop",
		Subsystem: "bus",
		Name:      "consumer_waiting_for_dependency",
		Help:      "1 while the consumer's handler finds a dependency unavailable and waits for it, else 0.",
	}, []string{"consumer"})
)

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
	consumerPending.WithLabelValues(c.cfg.Durable).Set(float64(info.NumPending))
	consumerAckPending.WithLabelValues(c.cfg.Durable).Set(float64(info.NumAckPending))
	waiting := 0.0
	if c.outage.Down() {
		waiting = 1
	}
	consumerWaiting.WithLabelValues(c.cfg.Durable).Set(waiting)
}
