package main

import "time"

// settings is the order service's configuration, from ORDER_* variables.
type settings struct {
	HTTPAddr         string        `env:"HTTP_ADDR" envDefault:":8081"`
	DatabaseURL      string        `env:"DATABASE_URL,required" secret:"true"`
	NATSURL          string        `env:"NATS_URL" envDefault:"nats://127.0.0.1:4222"`
	InventoryURL     string        `env:"INVENTORY_URL" envDefault:"http://127.0.0.1:8082"`
	InventoryTimeout time.Duration `env:"INVENTORY_TIMEOUT" envDefault:"2s"`
	SagaTimeout      time.Duration `env:"SAGA_TIMEOUT" envDefault:"30s"`
	// IdempotencyKeyTTL is how long an Idempotency-Key is remembered.
	IdempotencyKeyTTL time.Duration `env:"IDEMPOTENCY_KEY_TTL" envDefault:"24h"`
	// InboxRetention is how long the ids of applied events are kept (see inbox.DefaultRetention).
	InboxRetention time.Duration `env:"INBOX_RETENTION" envDefault:"168h"`
	LogFormat      string        `env:"LOG_FORMAT" envDefault:"text"`
	JWTSecret      string        `env:"JWT_SECRET" secret:"true"`
	JWKSURL        string        `env:"JWKS_URL"`
	JWTIssuer      string        `env:"JWT_ISSUER" envDefault:"eventshop"`
	JWTAudience    string        `env:"JWT_AUDIENCE" envDefault:"eventshop-api"`
}
