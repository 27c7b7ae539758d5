package service

import (
	"time"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/config"
)

// Prefix starts every environment variable of the service.
const Prefix = "ORDER_"

// Config is the order service's configuration.
type Config struct {
	HTTPAddr    string `env:"HTTP_ADDR" envDefault:":8081"`
	DatabaseURL string `env:"DATABASE_URL,required" secret:"true"`
	NATSURL     string `env:"NATS_URL" envDefault:"nats://127.0.0.1:4222"`
	// StreamReplicas is how many copies of each stream the service asks
	// JetStream to keep: 1 on one node, 3 on a three-node cluster.
	StreamReplicas   int           `env:"STREAM_REPLICAS" envDefault:"1"`
	InventoryURL     string        `env:"INVENTORY_URL" envDefault:"http://127.0.0.1:8082"`
	InventoryTimeout time.Duration `env:"INVENTORY_TIMEOUT" envDefault:"2s"`
	SagaTimeout      time.Duration `env:"SAGA_TIMEOUT" envDefault:"30s"`
	// IdempotencyKeyTTL is how long an Idempotency-Key is remembered.
	IdempotencyKeyTTL time.Duration `env:"IDEMPOTENCY_KEY_TTL" envDefault:"24h"`
	// InboxRetention is how long the ids of applied events are kept (see inbox.DefaultRetention).
	InboxRetention time.Duration `env:"INBOX_RETENTION" envDefault:"168h"`
	LogFormat      string        `env:"LOG_FORMAT" envDefault:"text"`

	// Redelivery is how the consumers redeliver failed events
	// (CONSUMER_MAX_DELIVER, CONSUMER_BACKOFF, CONSUMER_OUTAGE_BACKOFF_MAX).
	Redelivery bus.Redelivery

	// Auth is how bearer tokens are verified (JWT_SECRET, JWKS_URL,
	// JWT_ISSUER, JWT_AUDIENCE).
	Auth auth.Config
}

// LoadConfig reads the ORDER_* environment variables.
func LoadConfig() (Config, error) {
	var cfg Config
	err := config.Load(Prefix, &cfg)
	return cfg, err
}
