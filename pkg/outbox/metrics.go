package outbox

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	relayedTotal = promauto.NewCounter(prometheus.CounterOpts{
		Name: "outbox_relayed_total",
		Help: "Outbox events published to JetStream and marked sent.",
	})
	handedTotal = promauto.NewCounter(prometheus.CounterOpts{
		Name: "outbox_handed_total",
		Help: "Outbox events published as handed over by their writer (Ticket), without a claim.",
	})
	batchSize = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "outbox_batch_size",
		Help:    "Rows per relayed outbox batch.",
		Buckets: prometheus.ExponentialBuckets(1, 4, 8),
	})
	lagSeconds = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "outbox_lag_seconds",
		Help: "Age of the oldest row of the last relayed batch when it was marked sent.",
	})
	mongoRelayedTotal = promauto.NewCounter(prometheus.CounterOpts{
		Name: "outbox_mongo_relayed_total",
		Help: "Events published from MongoDB documents' outbox arrays.",
	})
)
