package outage

import (
	"context"
	"log/slog"
	"time"
)

// Await calls try until it succeeds or ctx is done, backing off by b between
// attempts and logging the outage once when it starts and once when it ends.
// It is how a service waits at start-up for its database or NATS: the
// service stays up, not ready, until they come. It returns ctx's error if ctx
// ends first, and at once an error of try that is not an outage (Is), which
// waiting cannot fix.
func Await(ctx context.Context, log *slog.Logger, what string, b Backoff, try func(context.Context) error) error {
	w := NewWatch(log, what, b)
	for {
		err := try(ctx)
		if err == nil {
			w.Succeeded()
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !Is(err) {
			return err
		}
		if !Sleep(ctx, w.Failed(err)) {
			return ctx.Err()
		}
	}
}

// Sleep waits for d and reports whether ctx is still live.
func Sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
