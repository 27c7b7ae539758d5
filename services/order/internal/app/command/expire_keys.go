package command

import (
	"context"
	"fmt"
	"time"
)

// ExpireIdempotencyKeys forgets, Limit at a time, the idempotency keys first
// used more than TTL ago. A request that repeats such a key places a new
// order: clients retry within minutes, and keys kept forever would grow
// the table with every order.
type ExpireIdempotencyKeys struct {
	TTL   time.Duration
	Limit int
}

// ExpireIdempotencyKeysHandler deletes expired idempotency keys.
type ExpireIdempotencyKeysHandler struct {
	repo OrderRepository
	now  func() time.Time
}

// NewExpireIdempotencyKeysHandler returns an ExpireIdempotencyKeysHandler.
func NewExpireIdempotencyKeysHandler(repo OrderRepository) ExpireIdempotencyKeysHandler {
	return ExpireIdempotencyKeysHandler{repo: repo, now: time.Now}
}

// Handle deletes one batch and returns how many keys it deleted; a caller
// loops while the batch was full.
func (h ExpireIdempotencyKeysHandler) Handle(ctx context.Context, cmd ExpireIdempotencyKeys) (int, error) {
	n, err := h.repo.DeleteIdempotencyKeys(ctx, h.now().Add(-cmd.TTL), cmd.Limit)
	if err != nil {
		return 0, fmt.Errorf("expire idempotency keys: %w", err)
	}
	return n, nil
}
