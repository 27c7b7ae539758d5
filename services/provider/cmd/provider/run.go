package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventshop/eventshop/pkg/config"
	"github.com/eventshop/eventshop/pkg/httpserver"
	"github.com/eventshop/eventshop/services/provider/simulator"
)

// Config is the simulator's configuration, read from PROVIDER_* variables.
type Config struct {
	HTTPAddr    string        `env:"HTTP_ADDR" envDefault:":8090"`
	LogFormat   string        `env:"LOG_FORMAT" envDefault:"text"`
	Latency     time.Duration `env:"LATENCY" envDefault:"0s"`
	FailureRate float64       `env:"FAILURE_RATE" envDefault:"0"`
	Seed        uint64        `env:"SEED" envDefault:"1"`
	HoldLimit   time.Duration `env:"HOLD_LIMIT" envDefault:"60s"`
	// DataDir keeps the authorizations across restarts; empty keeps them in
	// memory only.
	DataDir string `env:"DATA_DIR"`
}

func run(ctx context.Context, log *slog.Logger) error {
	var cfg Config
	if err := config.Load("PROVIDER_", &cfg); err != nil {
		return err
	}
	log.Info("starting", slog.Any("config", config.LogValue(cfg)))
	sim, err := simulator.New(simulator.Config{
		Faults:     simulator.Faults{Latency: cfg.Latency, FailureRate: cfg.FailureRate},
		Seed:       cfg.Seed,
		HoldLimit:  cfg.HoldLimit,
		DataDir:    cfg.DataDir,
		Logger:     log,
		Registerer: prometheus.DefaultRegisterer,
	})
	if err != nil {
		return fmt.Errorf("start simulator: %w", err)
	}
	defer sim.Close()
	srv := httpserver.New(log, "provider")
	srv.Echo.Any("/v1/*", echo.WrapHandler(sim))
	return srv.Run(ctx, cfg.HTTPAddr)
}
