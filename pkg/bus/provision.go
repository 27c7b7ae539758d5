package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream names of the platform.
const (
	StreamOrder        = "ORDER"
	StreamInventory    = "INVENTORY"
	StreamPayment      = "PAYMENT"
	StreamNotification = "NOTIFICATION"
	StreamDLQ          = "DLQ"
)

const (
	// duplicateWindow is how long JetStream remembers a Nats-Msg-Id: a relay
	// that republishes a row within it after a crash creates no duplicate.
	duplicateWindow = 2 * time.Minute
	domainMaxAge    = 7 * 24 * time.Hour
	dlqMaxAge       = 30 * 24 * time.Hour
	maxMsgSize      = 1 << 20
)

// Streams returns the configuration of every platform stream: one per domain
// holding "<domain>.>", and the dead-letter stream holding "dlq.>".
func Streams() []jetstream.StreamConfig {
	domain := func(name, subject, desc string) jetstream.StreamConfig {
		return jetstream.StreamConfig{
			Name:        name,
			Description: desc,
			Subjects:    []string{subject},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			Discard:     jetstream.DiscardOld,
			MaxAge:      domainMaxAge,
			MaxMsgSize:  maxMsgSize,
			Duplicates:  duplicateWindow,
			Replicas:    1,
		}
	}
	dlq := domain(StreamDLQ, "dlq.>", "Dead letters: events a consumer could not handle")
	// Dead letters wait for an admin, so they are kept longer than events.
	dlq.MaxAge = dlqMaxAge
	return []jetstream.StreamConfig{
		domain(StreamOrder, "order.>", "Events of the order service"),
		domain(StreamInventory, "inventory.>", "Events of the inventory service"),
		domain(StreamPayment, "payment.>", "Events of the payment service"),
		domain(StreamNotification, "notification.>", "Events of the notification service"),
		dlq,
	}
}

// WithStreamReplicas makes Provision keep n copies of every stream, one on
// each of n nodes of a JetStream cluster (at most 5; JetStream refuses more
// replicas than it has nodes). Zero or one mean one copy, for a single node.
func WithStreamReplicas(n int) Option {
	return func(b *Bus) { b.replicas = n }
}

// Provision creates or updates every platform stream, with the replica
// count of WithStreamReplicas. It is idempotent and safe when several
// services call it at the same time at start-up; an existing stream is
// scaled to the count.
func (b *Bus) Provision(ctx context.Context) error {
	for _, cfg := range Streams() {
		cfg.Replicas = max(b.replicas, 1)
		if err := b.ensureStream(ctx, cfg); err != nil {
			return err
		}
	}
	return nil
}

// ensureStream retries a create that lost a race with another service's
// create of the same stream: the second attempt is then an update.
func (b *Bus) ensureStream(ctx context.Context, cfg jetstream.StreamConfig) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		_, err = b.js.CreateOrUpdateStream(ctx, cfg)
		if err == nil || !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("provision stream %s: %w", cfg.Name, err)
	}
	return nil
}
