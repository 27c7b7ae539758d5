// Package channel holds the delivery channels of notifications (a structured
// log line, a webhook) and the breaker with retries that guards each.
package channel

import (
	"context"
	"log/slog"

	"github.com/eventshop/eventshop/services/notification/internal/app/command"
)

// Log delivers a message as one structured log line, the default channel of
// a platform without a mail server. The line holds the message and its
// addressing, nothing of the service's configuration.
type Log struct {
	Logger *slog.Logger
}

// Name is "log".
func (Log) Name() string { return "log" }

// Send writes the message's log line.
func (l Log) Send(ctx context.Context, m command.Message) error {
	l.Logger.InfoContext(ctx, "notification delivered",
		slog.String("channel", "log"), slog.String("notification_id", m.NotificationID),
		slog.String("order_id", m.OrderID), slog.String("customer_id", m.CustomerID),
		slog.String("kind", m.Kind), slog.String("subject", m.Subject), slog.String("body", m.Body))
	return nil
}
