// Package metrics records the order saga's outcomes in Prometheus.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// SagaBuckets are the bounds of the saga duration histogram, in seconds:
// fine between 5 ms and 1 s, where a healthy saga ends, so that p50 and
// p99 read from it stay within a few per cent of the exact figures.
func SagaBuckets() []float64 {
	return []float64{.005, .01, .015, .02, .025, .03, .04, .05, .06, .08, .1, .125, .15, .2, .25, .3, .4, .5, .75,
		1, 1.5, 2, 2.5, 5, 10, 30, 60}
}

// Prometheus implements command.Metrics on a registry the service serves.
type Prometheus struct {
	placed       prometheus.Counter
	finished     *prometheus.CounterVec
	sagaDuration *prometheus.HistogramVec
}

// New builds the saga's collectors and registers them on reg.
func New(reg prometheus.Registerer) *Prometheus {
	m := &Prometheus{
		placed: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "eventshop", Subsystem: "order", Name: "placed_total",
			Help: "Orders placed.",
		}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "eventshop", Subsystem: "order", Name: "saga_finished_total",
			Help: "Sagas that reached a final status, by status and reason.",
		}, []string{"status", "reason"}),
		sagaDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "eventshop", Subsystem: "order", Name: "saga_duration_seconds",
			Help:    "Time from placing an order to its final event reaching the bus, by status.",
			Buckets: SagaBuckets(),
		}, []string{"status"}),
	}
	reg.MustRegister(m.placed, m.finished, m.sagaDuration)
	return m
}

// OrderPlaced counts a placed order.
func (m *Prometheus) OrderPlaced() { m.placed.Inc() }

// OrderFinished counts a final status. The saga's duration is observed
// when its final event reaches the bus (SagaTimed), not here, so that it
// includes the delay of the outbox and the bus that clients see.
func (m *Prometheus) OrderFinished(status domain.Status, reason string, _ time.Duration) {
	m.finished.WithLabelValues(string(status), reason).Inc()
}

// SagaTimed observes one saga's duration, from placement to its final event.
func (m *Prometheus) SagaTimed(status domain.Status, saga time.Duration) {
	m.sagaDuration.WithLabelValues(string(status)).Observe(saga.Seconds())
}
