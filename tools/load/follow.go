package load

import (
	"context"
	"fmt"
	"time"

	"github.com/eventshop/eventshop/tools/client"
)

// Follower follows one order until its saga ends, the way a customer's
// order page would, and returns the final status it saw. PollFollower
// polls; a follower on the server-sent events of
// GET /api/v1/orders/{id}/events can take its place without changing the
// generator.
type Follower interface {
	Follow(ctx context.Context, c *client.Client, orderID string) (status string, err error)
}

// PollFollower reads the order's status and its timeline every Every (0
// means 250 ms) until the status is final or For has passed (0 means 10 s,
// after which the last status seen is returned without error).
type PollFollower struct {
	Every time.Duration
	For   time.Duration
}

// Follow polls the order and its timeline.
func (f PollFollower) Follow(ctx context.Context, c *client.Client, orderID string) (string, error) {
	every, limit := f.Every, f.For
	if every <= 0 {
		every = 250 * time.Millisecond
	}
	if limit <= 0 {
		limit = 10 * time.Second
	}
	deadline := time.Now().Add(limit)
	for {
		o, err := c.Order(ctx, orderID)
		if err != nil {
			return "", fmt.Errorf("follow order: %w", err)
		}
		if _, err := c.Timeline(ctx, orderID); err != nil {
			return o.Status, fmt.Errorf("follow timeline: %w", err)
		}
		if o.Final() || time.Now().After(deadline) {
			return o.Status, nil
		}
		select {
		case <-ctx.Done():
			return o.Status, ctx.Err()
		case <-time.After(every):
		}
	}
}
