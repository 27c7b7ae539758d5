package channel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/eventshop/eventshop/services/notification/internal/app/command"
)

// errCallerGone marks an attempt abandoned because the caller's context
// ended; it says nothing of the channel's health, so the breaker ignores it.
var errCallerGone = errors.New("caller gave up")

// GuardConfig configures a Guarded channel. Every zero value means the
// documented default.
type GuardConfig struct {
	// Timeout bounds each attempt. Default 5s.
	Timeout time.Duration
	// Attempts is how many times one Send tries a failing channel. Default 3.
	Attempts int
	// Backoff is the pause before the second attempt, doubled after each
	// further one. Default 200ms.
	Backoff time.Duration
	// TripAfter is how many consecutive failures open the breaker. Default 5.
	TripAfter uint32
	// OpenFor is how long the open breaker refuses messages. Default 30s.
	OpenFor time.Duration
	// OnStateChange, when set, is told of every breaker transition.
	OnStateChange func(name string, from, to gobreaker.State)
}

func (c GuardConfig) withDefaults() GuardConfig {
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.Attempts <= 0 {
		c.Attempts = 3
	}
	if c.Backoff <= 0 {
		c.Backoff = 200 * time.Millisecond
	}
	if c.TripAfter == 0 {
		c.TripAfter = 5
	}
	if c.OpenFor <= 0 {
		c.OpenFor = 30 * time.Second
	}
	return c
}

// Guarded is a channel behind a circuit breaker, with retries and backoff.
// Errors and timeouts of the channel count as breaker failures; a refusal
// (4xx) and a cancelled caller do not.
type Guarded struct {
	inner   command.Channel
	cfg     GuardConfig
	breaker *gobreaker.CircuitBreaker[struct{}]
}

// Guard returns inner behind a breaker named "notification-<channel name>".
func Guard(inner command.Channel, cfg GuardConfig) *Guarded {
	cfg = cfg.withDefaults()
	g := &Guarded{inner: inner, cfg: cfg}
	g.breaker = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "notification-" + inner.Name(),
		MaxRequests: 1,
		Timeout:     cfg.OpenFor,
		ReadyToTrip: func(n gobreaker.Counts) bool { return n.ConsecutiveFailures >= cfg.TripAfter },
		OnStateChange: func(name string, from, to gobreaker.State) {
			if cfg.OnStateChange != nil {
				cfg.OnStateChange(name, from, to)
			}
		},
		IsExcluded:   func(err error) bool { return errors.Is(err, errCallerGone) },
		IsSuccessful: func(err error) bool { return err == nil || errors.Is(err, errRejected) },
	})
	return g
}

// Name is the guarded channel's name.
func (g *Guarded) Name() string { return g.inner.Name() }

// BreakerName is the breaker's name, as metrics show it.
func (g *Guarded) BreakerName() string { return g.breaker.Name() }

// State is the breaker's state.
func (g *Guarded) State() gobreaker.State { return g.breaker.State() }

// Send tries m up to Attempts times. It returns command.ErrChannelOpen when the
// breaker refused it before any attempt, the caller's context error when ctx
// ends, or the last failure.
func (g *Guarded) Send(ctx context.Context, m command.Message) error {
	var last error
	for attempt := range g.cfg.Attempts {
		if attempt > 0 && !pause(ctx, g.cfg.Backoff<<(attempt-1)) {
			return ctx.Err()
		}
		_, err := g.breaker.Execute(func() (struct{}, error) { return struct{}{}, g.once(ctx, m) })
		switch {
		case err == nil:
			return nil
		case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
			if last != nil {
				// the breaker opened during this Send: it tried and failed
				return fmt.Errorf("%w, then %w", last, err)
			}
			return fmt.Errorf("%w: %w", command.ErrChannelOpen, err)
		case errors.Is(err, errCallerGone):
			return ctx.Err()
		case errors.Is(err, errRejected):
			return err
		}
		last = err
	}
	return last
}

// once is one attempt, bounded by Timeout.
func (g *Guarded) once(ctx context.Context, m command.Message) error {
	actx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	err := g.inner.Send(actx, m)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%w: %w", errCallerGone, ctx.Err())
	}
	return err
}

// pause waits d unless ctx ends first; it reports whether d passed.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// StateName is the breaker's state as "closed", "half-open" or "open".
func (g *Guarded) StateName() string { return g.breaker.State().String() }
