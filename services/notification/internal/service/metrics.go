package service

import (
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"

	"github.com/eventshop/eventshop/services/notification/internal/app/command"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// notifications counts notifications entering a status: PENDING when
// recorded, SENT when delivered, FAILED when out of attempts.
var notifications = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "notification_notifications_total",
	Help: "Notifications entering a status (PENDING when recorded, SENT, FAILED) by kind.",
}, []string{"kind", "status"})

// failedRounds counts delivery rounds that failed.
var failedRounds = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "notification_delivery_failures_total",
	Help: "Failed delivery rounds by kind.",
}, []string{"kind"})

// breakerState is the channel breaker's state: 0 closed, 1 half-open, 2 open
// (gobreaker's numbering).
var breakerState = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "notification_breaker_state",
	Help: "Circuit breaker state of the delivery channel: 0 closed, 1 half-open, 2 open.",
}, []string{"breaker"})

var registerOnce sync.Once

// registerMetrics registers the service's metrics once per process, so that
// tests may start several services.
func registerMetrics() {
	registerOnce.Do(func() {
		prometheus.MustRegister(notifications, failedRounds, breakerState)
	})
}

func recordRecorded(n domain.Notification) {
	notifications.WithLabelValues(string(n.Kind()), string(domain.StatusPending)).Inc()
}

// recordRound counts the outcome of a delivery round.
func recordRound(n domain.Notification, err error) {
	switch {
	case err == nil:
		notifications.WithLabelValues(string(n.Kind()), string(domain.StatusSent)).Inc()
	case errors.Is(err, command.ErrChannelOpen):
		// postponed by an open breaker: no round was made
	default:
		failedRounds.WithLabelValues(string(n.Kind())).Inc()
		if n.Status() == domain.StatusFailed {
			notifications.WithLabelValues(string(n.Kind()), string(domain.StatusFailed)).Inc()
		}
	}
}

func recordBreaker(name string, to gobreaker.State) {
	breakerState.WithLabelValues(name).Set(float64(to))
}
