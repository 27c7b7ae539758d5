// Command notification runs the notification service: it records one
// notification per final order, delivers it through the configured channel
// and announces the delivery with notification.sent.v1.
//
// With the argument "migrate" it applies its migrations and exits.
package main

import (
	"context"
	"log/slog"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/startup"
	"github.com/eventshop/eventshop/services/notification/internal/service"
)

func main() {
	startup.Main(startup.Binary[service.Config]{
		Name: "notification", Prefix: service.Prefix, Load: service.LoadConfig,
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
