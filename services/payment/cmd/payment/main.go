// Command payment runs the payment service: it authorises reserved orders
// with the payment provider, captures confirmed ones and voids cancelled ones.
//
// With the argument "migrate" it applies its migrations and exits.
package main

import (
	"context"
	"log/slog"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/startup"
	"github.com/eventshop/eventshop/services/payment/internal/service"
)

func main() {
	startup.Main(startup.Binary[service.Config]{
		Name: "payment", Prefix: service.Prefix, Load: service.LoadConfig,
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
