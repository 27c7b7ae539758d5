package service

import (
	"time"

	"github.com/eventshop/eventshop/pkg/config"
	"github.com/eventshop/eventshop/pkg/startup"
)

// Prefix starts every environment variable of the service.
const Prefix = "ORDER_"

// Config is the order service's configuration.
type Config struct {
	HTTPAddr    string `env:"HTTP_ADDR" envDefault:":8081"`
	DatabaseURL string `env:"DATABASE_URL,required" secret:"true"`
	// InventoryURL is inventory's base URL, or a comma-separated list of
	// them, one per replica: price lookups are spread over them.
	InventoryURL     string        `env:"INVENTORY_URL" envDefault:"http://127.0.0.1:8082"`
	InventoryTimeout time.Duration `env:"INVENTORY_TIMEOUT" envDefault:"2s"`
	SagaTimeout      time.Duration `env:"SAGA_TIMEOUT" envDefault:"30s"`
	// IdempotencyKeyTTL is how long an Idempotency-Key is remembered.
	IdempotencyKeyTTL time.Duration `env:"IDEMPOTENCY_KEY_TTL" envDefault:"24h"`
	// TracesQueryURL is the trace store's query API, Jaeger's (it serves
	// /api/traces/{id}), which GET /api/v1/orders/{id}/trace reads; empty
	// means none, and that route answers 404.
	TracesQueryURL string `env:"TRACES_QUERY_URL"`
	// TracesQueryTimeout bounds one read of the trace store.
	TracesQueryTimeout time.Duration `env:"TRACES_QUERY_TIMEOUT" envDefault:"2s"`
	// InboxRetention is how long the ids of applied events are kept (see inbox.DefaultRetention).
	InboxRetention time.Duration `env:"INBOX_RETENTION" envDefault:"168h"`

	// Common is what every service reads the same way: NATS_URL,
	// LOG_FORMAT, CONSUMER_* (redelivery) and JWT_* (token verification).
	startup.Common
}

// LoadConfig reads the ORDER_* environment variables.
func LoadConfig() (Config, error) {
	var cfg Config
	err := config.Load(Prefix, &cfg)
	return cfg, err
}
