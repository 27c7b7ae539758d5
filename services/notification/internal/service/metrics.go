package service

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventshop/eventshop/services/notification/internal/app/command"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// Results of a delivery round, the "result" label of deliveries_total.
const (
	deliverySent    = "sent"
	deliveryFailed  = "failed"
	deliveryGivenUp = "given_up"
)

// deliveryMetrics count the notifications recorded and the delivery rounds
// made for them (docs/metrics.md).
type deliveryMetrics struct {
	recordedTotal   *prometheus.CounterVec
	deliveriesTotal *prometheus.CounterVec
}

func newDeliveryMetrics(reg prometheus.Registerer) *deliveryMetrics {
	m := &deliveryMetrics{
		recordedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "eventshop", Subsystem: "notification", Name: "recorded_total",
			Help: "Notifications recorded (one per final order status), by kind.",
		}, []string{"kind"}),
		deliveriesTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "eventshop", Subsystem: "notification", Name: "deliveries_total",
			Help: "Delivery rounds by kind and result: sent; failed (to be retried); given_up (out of attempts).",
		}, []string{"kind", "result"}),
	}
	reg.MustRegister(m.recordedTotal, m.deliveriesTotal)
	return m
}

func (m *deliveryMetrics) recorded(n domain.Notification) {
	m.recordedTotal.WithLabelValues(string(n.Kind())).Inc()
}

// round counts the outcome of a delivery round.
func (m *deliveryMetrics) round(n domain.Notification, err error) {
	kind := string(n.Kind())
	switch {
	case err == nil:
		m.deliveriesTotal.WithLabelValues(kind, deliverySent).Inc()
	case errors.Is(err, command.ErrChannelOpen):
		// postponed by an open breaker: no round was made
	case n.Status() == domain.StatusFailed:
		m.deliveriesTotal.WithLabelValues(kind, deliveryGivenUp).Inc()
	default:
		m.deliveriesTotal.WithLabelValues(kind, deliveryFailed).Inc()
	}
}
