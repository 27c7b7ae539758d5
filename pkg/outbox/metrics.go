package outbox

import "github.com/prometheus/client_golang/prometheus"

// Metrics are a relay's counters, built on the registry the service serves
// (NewMetrics) and passed in Options or MongoOptions; a nil *Metrics
// records nothing, so a relay in a test needs none.
type Metrics struct {
	relayed   prometheus.Counter
	handed    prometheus.Counter
	batchSize prometheus.Histogram
	lag       prometheus.Gauge
}

// NewMetrics builds the relay's collectors and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		relayed: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "eventshop", Subsystem: "outbox", Name: "relayed_total",
			Help: "Outbox events published to JetStream and marked sent (or removed from their document).",
		}),
		handed: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "eventshop", Subsystem: "outbox", Name: "handed_total",
			Help: "Of those, the events their writer handed to the relay (Handoff), published without a claim.",
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "eventshop", Subsystem: "outbox", Name: "batch_size",
			Help:    "Rows per claimed and relayed outbox batch.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8),
		}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "eventshop", Subsystem: "outbox", Name: "lag_seconds",
			Help: "Age of the oldest row of the last claimed batch when it was marked sent.",
		}),
	}
	reg.MustRegister(m.relayed, m.handed, m.batchSize, m.lag)
	return m
}

// claimed records a claimed batch of n rows, the oldest written at oldest.
func (m *Metrics) claimed(n int, oldestAge float64) {
	if m == nil {
		return
	}
	m.relayed.Add(float64(n))
	m.batchSize.Observe(float64(n))
	m.lag.Set(oldestAge)
}

// handedOver records n events published as their writer handed them over.
func (m *Metrics) handedOver(n int) {
	if m == nil {
		return
	}
	m.relayed.Add(float64(n))
	m.handed.Add(float64(n))
}

// relayedDoc records n events published from a document's outbox array.
func (m *Metrics) relayedDoc(n int) {
	if m != nil {
		m.relayed.Add(float64(n))
	}
}
