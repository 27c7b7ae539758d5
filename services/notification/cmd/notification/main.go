// Command notification runs the notification service: it records one
// notification per final order, delivers it through the configured channel
// and announces the delivery with notification.sent.v1.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/eventshop/eventshop/pkg/logging"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := logging.New("notification", os.Getenv("NOTIFICATION_LOG_FORMAT"))
	if err := run(ctx, log); err != nil {
		log.Error("notification stopped", slog.Any("error", err))
		os.Exit(1)
	}
}
