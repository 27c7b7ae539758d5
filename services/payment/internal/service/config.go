// Package service assembles the payment service from its parts: database,
// bus, provider client, consumers, outbox relay and HTTP server. The command
// and the end-to-end tests start it the same way.
package service

import (
	"time"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/config"
)

// Prefix starts every environment variable of the service.
const Prefix = "PAYMENT_"

// Config is the payment service's configuration.
type Config struct {
	HTTPAddr    string `env:"HTTP_ADDR" envDefault:":8083"`
	DatabaseURL string `env:"DATABASE_URL,required" secret:"true"`
	NATSURL     string `env:"NATS_URL" envDefault:"nats://127.0.0.1:4222"`
	// StreamReplicas is how many copies of each stream the service asks
	// JetStream to keep: 1 on one node, 3 on a three-node cluster.
	StreamReplicas int    `env:"STREAM_REPLICAS" envDefault:"1"`
	LogFormat      string `env:"LOG_FORMAT" envDefault:"text"`
	// InboxRetention is how long the ids of applied events are kept (see inbox.DefaultRetention).
	InboxRetention time.Duration `env:"INBOX_RETENTION" envDefault:"168h"`

	// Redelivery is how the consumers redeliver failed events
	// (CONSUMER_MAX_DELIVER, CONSUMER_BACKOFF, CONSUMER_OUTAGE_BACKOFF_MAX).
	Redelivery bus.Redelivery

	// Auth is how bearer tokens are verified (JWT_SECRET, JWKS_URL,
	// JWT_ISSUER, JWT_AUDIENCE).
	Auth auth.Config

	// ProviderURL is the payment provider's address.
	ProviderURL string `env:"PROVIDER_URL" envDefault:"http://127.0.0.1:8090"`
	// ProviderTimeout bounds each attempt of a provider call.
	ProviderTimeout time.Duration `env:"PROVIDER_TIMEOUT" envDefault:"2s"`
	// ProviderAttempts is how often a transiently failing call is tried.
	ProviderAttempts int `env:"PROVIDER_ATTEMPTS" envDefault:"3"`
	// ProviderBackoff is the pause before the second attempt, doubled after each further one.
	ProviderBackoff time.Duration `env:"PROVIDER_BACKOFF" envDefault:"100ms"`
	// BreakerTripAfter is how many provider calls within 10 s the breaker
	// needs to see before half or more of them failing opens it.
	BreakerTripAfter uint32 `env:"BREAKER_TRIP_AFTER" envDefault:"5"`
	// BreakerOpenFor is how long the open breaker refuses calls.
	BreakerOpenFor time.Duration `env:"BREAKER_OPEN_FOR" envDefault:"10s"`
	// ProviderParallel bounds the provider calls of one batch made at once.
	ProviderParallel int `env:"PROVIDER_PARALLEL" envDefault:"64"`
	// OrphanSweep is how often authorisations still held by tombstones are
	// voided again (those whose first void failed).
	OrphanSweep time.Duration `env:"ORPHAN_SWEEP" envDefault:"30s"`
}

// LoadConfig reads the PAYMENT_* environment variables.
func LoadConfig() (Config, error) {
	var cfg Config
	err := config.Load(Prefix, &cfg)
	return cfg, err
}
