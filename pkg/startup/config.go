package startup

import (
	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/pkg/bus"
)

// Common is the configuration every service reads the same way, embedded in
// each service's Config so that its variables are <SERVICE>_NATS_URL,
// <SERVICE>_LOG_FORMAT, <SERVICE>_CONSUMER_* and <SERVICE>_JWT_* everywhere,
// with the same defaults. A service's own settings (its HTTP address, which
// differs per service, and its database) stay in its Config.
type Common struct {
	// NATSURL is the NATS server, or a comma-separated list of a cluster's.
	NATSURL string `env:"NATS_URL" envDefault:"nats://127.0.0.1:4222"`
	// StreamReplicas is how many copies of each stream the service asks
	// JetStream to keep: 1 on one node, 3 on a three-node cluster.
	StreamReplicas int `env:"STREAM_REPLICAS" envDefault:"1"`
	// LogFormat is "json" (containers) or "text" (a terminal).
	LogFormat string `env:"LOG_FORMAT" envDefault:"text"`

	// Redelivery is how the consumers redeliver failed events
	// (CONSUMER_MAX_DELIVER, CONSUMER_BACKOFF, CONSUMER_OUTAGE_BACKOFF_MAX).
	Redelivery bus.Redelivery

	// Auth is how bearer tokens are verified (JWT_SECRET, JWKS_URL,
	// JWT_ISSUER, JWT_AUDIENCE).
	Auth auth.Config
}
