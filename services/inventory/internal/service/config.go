// Package service assembles the inventory service from its parts: database
// (migrated and seeded), bus, consumer, outbox relay and HTTP server. The
// command and the tests start it the same way.
package service

import (
	"time"

	"github.com/eventshop/eventshop/pkg/config"
	"github.com/eventshop/eventshop/pkg/startup"
)

// Prefix starts every environment variable of the service.
const Prefix = "INVENTORY_"

// Config is the inventory service's configuration.
type Config struct {
	HTTPAddr    string `env:"HTTP_ADDR" envDefault:":8082"`
	DatabaseURL string `env:"DATABASE_URL,required" secret:"true"`
	// InboxRetention is how long the ids of applied events are kept (see inbox.DefaultRetention).
	InboxRetention time.Duration `env:"INBOX_RETENTION" envDefault:"168h"`

	// Common is what every service reads the same way: NATS_URL,
	// LOG_FORMAT, CONSUMER_* (redelivery) and JWT_* (token verification).
	startup.Common

	// Seed inserts the initial catalogue at start-up; existing products keep
	// their stock, so it is safe on every start.
	Seed bool `env:"SEED" envDefault:"true"`
}

// LoadConfig reads the INVENTORY_* environment variables.
func LoadConfig() (Config, error) {
	var cfg Config
	err := config.Load(Prefix, &cfg)
	return cfg, err
}
