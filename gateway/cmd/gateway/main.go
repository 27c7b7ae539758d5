// Command gateway is the platform's single entry point: it authenticates,
// rate-limits, caches and routes the public API to the services, and serves
// the admin endpoints and the web UI.
//
// It accepts the argument "migrate", as every eventshop binary does, and
// has nothing to migrate.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/eventshop/eventshop/gateway/internal/config"
	"github.com/eventshop/eventshop/gateway/internal/gateway"
	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/startup"
)

func main() {
	startup.Main(startup.Binary[config.Config]{
		Name: "gateway", Prefix: config.Prefix, Load: config.Load,
		Auth: func(c config.Config) auth.Config { return c.Auth },
		Run:  run,
	})
}

func run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	var b *bus.Bus
	if cfg.NATSURL != "" {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		var err error
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
