// Command order runs the order service: the order API, the saga's event
// handlers, the saga timeout and the outbox relay, in one process.
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
	log := logging.New("order", os.Getenv("ORDER_LOG_FORMAT"))
	if err := run(ctx, log); err != nil {
		log.Error("order stopped", slog.Any("error", err))
		os.Exit(1)
	}
}
