// Package metrics records the order saga's outcomes in Prometheus.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/eventshop/eventshop/services/order/internal/domain"
)

var (
	placed = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: "eventshop", Name: "orders_placed_total",
		Help: "Orders placed.",
	})
	finished = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: "eventshop", Name: "orders_finished_total",
		Help: "Orders that reached a final status, by status and reason.",
	}, []string{"status", "reason"})
	sagaDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "eventshop", Name: "order_saga_duration_seconds",
		Help:    "Time from placing an order to its final status.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"status"})
)

// Prometheus implements command.Metrics with the process's default registry,
// which /metrics serves.
type Prometheus struct{}

// OrderPlaced counts a placed order.
func (Prometheus) OrderPlaced() { placed.Inc() }

// OrderFinished counts a final status and observes the saga's duration.
func (Prometheus) OrderFinished(status domain.Status, reason string, saga time.Duration) {
	finished.WithLabelValues(string(status), reason).Inc()
	sagaDuration.WithLabelValues(string(status)).Observe(saga.Seconds())
}
