package bus

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// Results of a consumed message, the "result" label of consumed_total.
const (
	resultAck        = "ack"
	resultNak        = "nak"
	resultDeadLetter = "dead_letter"
	// resultOutage is a redelivery because a dependency was unavailable.
	resultOutage = "outage"
)

// Metrics are the bus's Prometheus collectors: publishes, consumed messages
// by result, redeliveries, handler time, consumer lag and the dead-letter
// stream's depth. Build them with NewMetrics on the registry the service
// serves and hand them to Connect with WithMetrics; a bus without them
// records nothing. The names follow docs/metrics.md.
type Metrics struct {
	published       *prometheus.CounterVec
	duplicates      *prometheus.CounterVec
	consumed        *prometheus.CounterVec
	redelivered     *prometheus.CounterVec
	handlerDuration *prometheus.HistogramVec
	pending         *prometheus.GaugeVec
	ackPending      *prometheus.GaugeVec
	waiting         *prometheus.GaugeVec

	// js is the JetStream context the DLQ depth gauge reads, set by Connect.
	js atomic.Pointer[jetstream.JetStream]
}

// NewMetrics builds the bus's collectors and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "eventshop", Subsystem: "bus", Name: "published_total",
			Help: "Events published to JetStream and acknowledged, by event type.",
		}, []string{"type"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "eventshop", Subsystem: "bus", Name: "publish_duplicates_total",
			Help: "Publishes JetStream acknowledged as copies of an event it had stored (same Nats-Msg-Id), by event type.",
		}, []string{"type"}),
		consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "eventshop", Subsystem: "bus", Name: "consumed_total",
			Help: "Messages settled, by consumer and result (ack, nak, outage, dead_letter).",
		}, []string{"consumer", "result"}),
		redelivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "eventshop", Subsystem: "bus", Name: "redelivered_total",
			Help: "Deliveries after a message's first, by consumer.",
		}, []string{"consumer"}),
		handlerDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "eventshop", Subsystem: "bus", Name: "handler_duration_seconds",
			Help:    "Time a batch handler took, by consumer.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}, []string{"consumer"}),
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "eventshop", Subsystem: "bus", Name: "consumer_pending",
			Help: "Messages of the stream the consumer has not been delivered yet, by consumer: its lag.",
		}, []string{"consumer"}),
		ackPending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "eventshop", Subsystem: "bus", Name: "consumer_ack_pending",
			Help: "Messages delivered and not acked yet, by consumer; it grows while a dependency is unavailable.",
		}, []string{"consumer"}),
		waiting: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "eventshop", Subsystem: "bus", Name: "consumer_waiting_for_dependency",
			Help: "1 while the consumer's handler finds a dependency unavailable and waits for it, else 0.",
		}, []string{"consumer"}),
	}
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "eventshop", Subsystem: "bus", Name: "dlq_depth",
		Help: "Messages in the dead-letter stream (-1 when it cannot be read).",
	}, m.readDLQDepth)
	reg.MustRegister(m.published, m.duplicates, m.consumed, m.redelivered, m.handlerDuration,
		m.pending, m.ackPending, m.waiting, depth)
	return m
}

// WithMetrics makes the bus record into m.
func WithMetrics(m *Metrics) Option {
	return func(b *Bus) {
		b.metrics = m
		if m != nil {
			m.js.Store(&b.js)
		}
	}
}

// consumerStarted makes the consumer's series exist at zero, so that a
// rate over them is defined before the first message and a dashboard shows
// "none" rather than "no data".
func (m *Metrics) consumerStarted(consumer string) {
	if m == nil {
		return
	}
	for _, r := range []string{resultAck, resultNak, resultOutage, resultDeadLetter} {
		m.consumed.WithLabelValues(consumer, r)
	}
	m.redelivered.WithLabelValues(consumer)
	m.handlerDuration.WithLabelValues(consumer)
	m.pending.WithLabelValues(consumer)
	m.ackPending.WithLabelValues(consumer)
	m.waiting.WithLabelValues(consumer)
}

// publishedOne counts an acknowledged publish, and whether the stream
// dropped it as a copy: a relay that publishes again what it had already
// published (after a crash, an ack lost to a timeout, or two relays at
// once) shows here.
func (m *Metrics) publishedOne(eventType string, duplicate bool) {
	if m == nil {
		return
	}
	m.published.WithLabelValues(eventType).Inc()
	if duplicate {
		m.duplicates.WithLabelValues(eventType).Inc()
	}
}

func (m *Metrics) settled(consumer, result string) {
	if m != nil {
		m.consumed.WithLabelValues(consumer, result).Inc()
	}
}

func (m *Metrics) delivered(consumer string, numDelivered uint64) {
	if m != nil && numDelivered > 1 {
		m.redelivered.WithLabelValues(consumer).Inc()
	}
}

func (m *Metrics) handled(consumer string, took time.Duration) {
	if m != nil {
		m.handlerDuration.WithLabelValues(consumer).Observe(took.Seconds())
	}
}

func (m *Metrics) lag(consumer string, info *jetstream.ConsumerInfo, waiting bool) {
	if m == nil {
		return
	}
	m.pending.WithLabelValues(consumer).Set(float64(info.NumPending))
	m.ackPending.WithLabelValues(consumer).Set(float64(info.NumAckPending))
	w := 0.0
	if waiting {
		w = 1
	}
	m.waiting.WithLabelValues(consumer).Set(w)
}

// readDLQDepth asks JetStream for the DLQ's message count at scrape time.
func (m *Metrics) readDLQDepth() float64 {
	js := m.js.Load()
	if js == nil {
		return -1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := dlqDepth(ctx, *js)
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
