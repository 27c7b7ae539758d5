package ports

import (
	"context"
	"log/slog"
	"time"

	"github.com/eventshop/eventshop/services/order/internal/app/command"
)

// KeyExpiryBatch is how many idempotency keys one statement deletes.
const KeyExpiryBatch = 10000

// KeyExpiry deletes idempotency keys older than the TTL: at start and then
// every 24th of the TTL, so a key lives between TTL and TTL plus a 24th.
// Replicas may sweep together; a key two of them pick is deleted once.
type KeyExpiry struct {
	expire   command.ExpireIdempotencyKeysHandler
	ttl      time.Duration
	interval time.Duration
	log      *slog.Logger
}

// NewKeyExpiry returns a sweeper of the idempotency keys older than ttl.
func NewKeyExpiry(expire command.ExpireIdempotencyKeysHandler, ttl time.Duration, log *slog.Logger) *KeyExpiry {
	return &KeyExpiry{expire: expire, ttl: ttl, interval: max(ttl/24, time.Second), log: log}
}

// Run sweeps until ctx is done. A failed sweep is logged and retried at the
// next tick.
func (k *KeyExpiry) Run(ctx context.Context) error {
	t := time.NewTicker(k.interval)
	defer t.Stop()
	for {
		k.Sweep(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Sweep deletes expired keys batch by batch until none is left.
func (k *KeyExpiry) Sweep(ctx context.Context) {
	total := 0
	for ctx.Err() == nil {
		n, err := k.expire.Handle(ctx, command.ExpireIdempotencyKeys{TTL: k.ttl, Limit: KeyExpiryBatch})
		if err != nil {
			if ctx.Err() == nil {
				k.log.ErrorContext(ctx, "idempotency key expiry failed", "err", err)
			}
			return
		}
		total += n
		if n < KeyExpiryBatch {
			break
		}
	}
	if total > 0 {
		k.log.InfoContext(ctx, "idempotency keys expired", "count", total, "older_than", k.ttl)
	}
}
