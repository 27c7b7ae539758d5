// Package service assembles the inventory service from its parts: database
// (migrated and seeded), bus, consumer, outbox relay and HTTP server. The
// command and the tests start it the same way.
package service

import (
	"time"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/config"
)

// Prefix starts every environment variable of the service.
const Prefix = "INVENTORY_"

// Config is the inventory service's configuration.
type Config struct {
	HTTPAddr    string `env:"HTTP_ADDR" envDefault:":8082"`
	DatabaseURL string `env:"DATABASE_URL,required" secret:"true"`
	NATSURL     string `env:"NATS_URL" envDefault:"nats://127.0.0.1:4222"`
	// StreamReplicas is how many copies of each stream the service asks
	// JetStream to keep: 1 on one node, 3 on a three-node cluster.
	StreamReplicas int    `env:"STREAM_REPLICAS" envDefault:"1"`
	LogFormat      string `env:"LOG_FORMAT" envDefault:"text"`
	// InboxRetention is how long the ids of applied events are kept (see inbox.DefaultRetention).
	InboxRetention time.Duration `env:"INBOX_RETENTION" envDefault:"168h"`

	// Redelivery is how the consumer redelivers failed events
	// (CONSUMER_MAX_DELIVER, CONSUMER_BACKOFF, CONSUMER_OUTAGE_BACKOFF_MAX).
	Redelivery bus.Redelivery

	// Auth is how bearer tokens are verified (JWT_SECRET, JWKS_URL,
	// JWT_ISSUER, JWT_AUDIENCE).
	Auth auth.Config

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
