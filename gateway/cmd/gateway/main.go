// Command gateway is the platform's single entry point: it authenticates,
// rate-limits, caches and routes the public API to the services, and serves
// the admin endpoints and the web UI.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/eventshop/eventshop/gateway/internal/config"
	"github.com/eventshop/eventshop/gateway/internal/gateway"
	"github.com/eventshop/eventshop/pkg/bus"
	pkgconfig "github.com/eventshop/eventshop/pkg/config"
	"github.com/eventshop/eventshop/pkg/logging"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := logging.New("gateway", os.Getenv(config.Prefix+"LOG_FORMAT"))
	if err := run(ctx, log); err != nil {
		log.Error("gateway stopped", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	log.Info("starting", "config", pkgconfig.LogValue(cfg))
	var b *bus.Bus
	if cfg.NATSURL != "" {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		b, err = bus.Connect(cctx, cfg.NATSURL, "gateway", log)
		cancel()
		if err != nil {
			return fmt.Errorf("connect nats: %w", err)
		}
		defer b.Close()
	}
	g, err := gateway.New(ctx, cfg, log, gateway.Options{Bus: b})
	if err != nil {
		return err
	}
	defer g.Close()
	if cfg.PprofAddr != "" {
		stopProfiling := serveProfiles(log, cfg.PprofAddr)
		defer stopProfiling()
	}
	return g.Run(ctx, cfg.HTTPAddr)
}
