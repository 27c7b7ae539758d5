// Command inventory runs the inventory service: the catalogue and its stock,
// reserved, sold and released as the order saga's events arrive.
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
	log := logging.New("inventory", os.Getenv("INVENTORY_LOG_FORMAT"))
	if err := run(ctx, log); err != nil {
		log.Error("inventory stopped", slog.Any("error", err))
		os.Exit(1)
	}
}
