// Command provider runs the payment provider simulator: the outside payment
// system that the payment service authorises, captures and voids with.
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
	log := logging.New("provider", os.Getenv("PROVIDER_LOG_FORMAT"))
	if err := run(ctx, log); err != nil {
		log.Error("provider stopped", slog.Any("error", err))
		os.Exit(1)
	}
}
