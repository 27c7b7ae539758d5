// Package service assembles the notification service from its parts:
// MongoDB, bus, delivery channel, consumer, delivery worker, outbox relay and
// HTTP server. The command and the end-to-end tests start it the same way.
package service

import (
	"fmt"
	"time"

	"github.com/eventshop/eventshop/pkg/config"
	"github.com/eventshop/eventshop/pkg/startup"
)

// Prefix starts every environment variable of the service.
const Prefix = "NOTIFICATION_"

// Channel names.
const (
	ChannelLog     = "log"
	ChannelWebhook = "webhook"
)

// Config is the notification service's configuration.
type Config struct {
	HTTPAddr      string `env:"HTTP_ADDR" envDefault:":8084"`
	MongoURL      string `env:"MONGO_URL" envDefault:"mongodb://127.0.0.1:27017" secret:"true"`
	MongoDatabase string `env:"MONGO_DATABASE" envDefault:"notification"`

	// Common is what every service reads the same way: NATS_URL,
	// LOG_FORMAT, CONSUMER_* (redelivery) and JWT_* (token verification).
	startup.Common

	// Channel delivers notifications: "log" or "webhook".
	Channel string `env:"CHANNEL" envDefault:"log"`
	// WebhookURL receives the webhook channel's POSTs; it may hold a token.
	WebhookURL string `env:"WEBHOOK_URL" secret:"true"`
	// SendTimeout bounds each attempt of a delivery.
	SendTimeout time.Duration `env:"SEND_TIMEOUT" envDefault:"5s"`
	// SendAttempts is how often one delivery round tries a failing channel.
	SendAttempts int `env:"SEND_ATTEMPTS" envDefault:"3"`
	// SendBackoff is the pause before a round's second attempt, doubled after each further one.
	SendBackoff time.Duration `env:"SEND_BACKOFF" envDefault:"200ms"`
	// MaxAttempts is how many failed rounds turn a notification FAILED.
	MaxAttempts int `env:"MAX_ATTEMPTS" envDefault:"5"`
	// RetryBackoff is the pause after a failed round, doubled after each further one.
	RetryBackoff time.Duration `env:"RETRY_BACKOFF" envDefault:"1s"`
	// RetryAfter is the pause before a FAILED notification is tried again.
	RetryAfter time.Duration `env:"RETRY_AFTER" envDefault:"5m"`
	// BreakerTripAfter is how many consecutive failures open the channel's breaker.
	BreakerTripAfter uint32 `env:"BREAKER_TRIP_AFTER" envDefault:"5"`
	// BreakerOpenFor is how long the open breaker refuses messages.
	BreakerOpenFor time.Duration `env:"BREAKER_OPEN_FOR" envDefault:"30s"`
	// PollInterval is how often the delivery worker sweeps for due
	// notifications a stopped process left. New notifications and this
	// process's retries do not wait for it. A sweep reads the list of
	// unfinished notifications, not the whole collection, so its cost
	// follows what is in flight.
	PollInterval time.Duration `env:"POLL_INTERVAL" envDefault:"5s"`
	// Lease is how long a delivery round holds its notification: a round
	// whose process stopped before it stored its outcome is run again once
	// the lease has ended, at the next sweep. It must exceed one round
	// through the channel (SendAttempts tries of up to SendTimeout).
	Lease time.Duration `env:"LEASE" envDefault:"1m"`
	// LeaderLease is how long the lease of the replica elected to relay
	// the outbox and sweep lasts unless renewed, every third of it: the
	// longest a leader's work waits for another replica when the leader
	// is cut off from MongoDB, or dies without NATS noticing (its host
	// lost). A killed leader, whose NATS connection closes, is replaced
	// within about a second (leader.WithLiveness). Zero is
	// leader.DefaultLease.
	LeaderLease time.Duration `env:"LEADER_LEASE" envDefault:"5s"`
}

// LoadConfig reads the NOTIFICATION_* environment variables.
func LoadConfig() (Config, error) {
	var cfg Config
	if err := config.Load(Prefix, &cfg); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// Validate checks what has no default.
func (c Config) Validate() error {
	switch c.Channel {
	case ChannelLog:
	case ChannelWebhook:
		if c.WebhookURL == "" {
			return fmt.Errorf("config: %sWEBHOOK_URL is required for the webhook channel", Prefix)
		}
	default:
		return fmt.Errorf("config: %sCHANNEL %q is neither log nor webhook", Prefix, c.Channel)
	}
	return nil
}
