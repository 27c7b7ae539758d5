// Command payment runs the payment service: it authorises reserved orders
// with the payment provider, captures confirmed ones and voids cancelled ones.
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
	log := logging.New("payment", os.Getenv("PAYMENT_LOG_FORMAT"))
	if err := run(ctx, log); err != nil {
		log.Error("payment stopped", slog.Any("error", err))
		os.Exit(1)
	}
}
