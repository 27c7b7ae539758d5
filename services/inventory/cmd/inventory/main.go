// Command inventory runs the inventory service: the catalogue and its stock,
// reserved, sold and released as the order saga's events arrive.
//
// With the argument "migrate" it applies its migrations and exits.
package main

import (
	"context"
	"log/slog"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/startup"
	"github.com/eventshop/eventshop/services/inventory/internal/service"
)

func main() {
	startup.Main(startup.Binary[service.Config]{
		Name: "inventory", Prefix: service.Prefix, Load: service.LoadConfig,
		Auth:    func(c service.Config) auth.Config { return c.Auth },
		Migrate: service.Migrate,
		Run:     run,
	})
}

func run(ctx context.Context, cfg service.Config, log *slog.Logger) error {
	svc, err := service.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	return svc.Run(ctx)
}
