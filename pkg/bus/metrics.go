package bus

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Results of a consumed message, the "result" label of consumed_total.
const (
	resultAck        = "ack"
	resultNak        = "nak"
	resultDeadLetter = "dead_letter"
	// resultOutage is a redelivery because a dependency was unavailable.
	resultOutage = "outage"
)

var (
	publishedTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: "eventshop",
		Subsystem: "bus",
		Name:      "published_total",
		Help:      "Events published to JetStream and acknowledged, by event type.",
	}, []string{"type"})

	consumedTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: "eventshop",
		Subsystem: "bus",
		Name:      "consumed_total",
		Help:      "Messages consumed, by consumer and result (ack, nak, outage, dead_letter).",
	}, []string{"consumer", "result"})

	handlerDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "eventshop",
		Subsystem: "bus",
		Name:      "handler_duration_seconds",
		Help:      "Time a batch handler took, by consumer.",
		Buckets:   prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"consumer"})
)

// dlqDepthOpts names the DLQ depth gauge.
func dlqDepthOpts() prometheus.GaugeOpts {
	return prometheus.GaugeOpts{
		Namespace: "eventshop",
		Subsystem: "bus",
		Name:      "dlq_depth",
		Help:      "Messages in the dead-letter stream (-1 when it cannot be read).",
	}
}

// registerDLQDepth makes the DLQ depth gauge of the default registry read
// js, replacing the gauge of a bus connected before: the gauge follows the
// most recently connected bus of the process, which the registry holds,
// not a variable of this package.
func registerDLQDepth(js jetstream.JetStream) {
	g := prometheus.NewGaugeFunc(dlqDepthOpts(), func() float64 { return readDLQDepth(js) })
	err := prometheus.Register(g)
	var taken prometheus.AlreadyRegisteredError
	if errors.As(err, &taken) {
		prometheus.Unregister(taken.ExistingCollector)
		_ = prometheus.Register(g) // a bus connecting at the same moment may win; either reads a live stream
	}
}

// readDLQDepth asks JetStream for the DLQ's message count at scrape time.
func readDLQDepth(js jetstream.JetStream) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := dlqDepth(ctx, js)
	if err != nil {
		return -1
	}
	return float64(n)
}

// dlqDepth is the number of messages in the DLQ stream.
func dlqDepth(ctx context.Context, js jetstream.JetStream) (uint64, error) {
	s, err := js.Stream(ctx, StreamDLQ)
	if err != nil {
		return 0, err
	}
	// Stream fetched the info just now; CachedInfo saves a second request.
	return s.CachedInfo().State.Msgs, nil
}
