package main

import (
	"context"
	"log/slog"

	"github.com/eventshop/eventshop/pkg/config"
	"github.com/eventshop/eventshop/services/order/internal/service"
)

func run(ctx context.Context, log *slog.Logger) error {
	cfg, err := service.LoadConfig()
	if err != nil {
		return err
	}
	log.Info("starting", slog.Any("config", config.LogValue(cfg)))
	svc, err := service.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	return svc.Run(ctx)
}
