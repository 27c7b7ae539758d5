package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/outage"
)

const (
	// pullExpiry is how long one pull request lives; heartbeats come every
	// half of it, so a dead subscription is noticed within about this time.
	pullExpiry         = 10 * time.Second
	resubscribeFirst   = 250 * time.Millisecond
	resubscribeMax     = 10 * time.Second
	resubscribeTimeout = 10 * time.Second
)

// subscribe creates or updates the durable consumer and starts consuming it,
// replacing a previous subscription.
func (c *Consumer) subscribe(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopping {
		return nil
	}
	if c.cc != nil {
		c.cc.Stop()
		c.cc = nil
	}
	cons, err := c.createConsumer(ctx)
	if err != nil {
		return err
	}
	cc, err := cons.Consume(c.receive,
		jetstream.PullMaxMessages(c.cfg.BatchSize),
		jetstream.PullExpiry(pullExpiry),
		jetstream.ConsumeErrHandler(c.onConsumeError),
	)
	if err != nil {
		return fmt.Errorf("start consuming: %w", err)
	}
	c.cc, c.cons = cc, cons
	return nil
}

// createConsumer creates or updates the durable consumer. A missing stream
// (a server that lost its store) is provisioned again first.
func (c *Consumer) createConsumer(ctx context.Context) (jetstream.Consumer, error) {
	cons, err := c.b.js.CreateOrUpdateConsumer(ctx, c.cfg.Stream, c.cfg.jetStreamConfig())
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		if perr := c.b.Provision(ctx); perr != nil {
			return nil, fmt.Errorf("create consumer: %w", perr)
		}
		cons, err = c.b.js.CreateOrUpdateConsumer(ctx, c.cfg.Stream, c.cfg.jetStreamConfig())
	}
	if err != nil {
		return nil, fmt.Errorf("create consumer: %w", err)
	}
	return cons, nil
}

// onConsumeError is called by the subscription with errors of its own; those
// that leave it dead ask the supervisor to subscribe again.
func (c *Consumer) onConsumeError(cc jetstream.ConsumeContext, err error) {
	c.mu.Lock()
	current := cc == c.cc && !c.stopping
	c.mu.Unlock()
	if !current {
		return
	}
	if !fatalToSubscription(err) {
		c.log.Warn("consume error", "error", err)
		return
	}
	c.log.Warn("consumer subscription lost, subscribing again", "error", err)
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// fatalToSubscription reports whether a Consume error means the subscription
// gets no more messages: the consumer is gone, or the server stopped answering.
func fatalToSubscription(err error) bool {
	for _, target := range []error{
		jetstream.ErrConsumerDeleted,
		jetstream.ErrConsumerNotFound,
		jetstream.ErrConsumerDoesNotExist,
		jetstream.ErrNoHeartbeat,
		jetstream.ErrBadRequest,
		nats.ErrNoResponders,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// supervise subscribes again, with backoff, each time the subscription is
// lost, until ctx is done.
func (c *Consumer) supervise(ctx context.Context) {
	defer c.supervisor.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		}
		c.resubscribe(ctx)
	}
}

// resubscribe retries subscribe until it succeeds or ctx is done. A deleted
// consumer is recreated delivering the whole stream again; the handlers'
// inbox makes the redelivered events harmless. The first attempt waits too:
// a consumer is reported deleted while the server may still be removing
// its stream, and recreating the stream in that moment can leave one that
// takes messages and never acks them.
func (c *Consumer) resubscribe(ctx context.Context) {
	delay := resubscribeFirst
	if !outage.Sleep(ctx, delay) {
		return
	}
	for attempt := 1; ; attempt++ {
		attemptCtx, cancel := context.WithTimeout(ctx, resubscribeTimeout)
		err := c.subscribe(attemptCtx)
		cancel()
		if err == nil {
			c.log.Info("consumer subscribed again", "attempt", attempt)
			return
		}
		c.log.Warn("subscribe again", "attempt", attempt, "retry_in", delay, "error", err)
		if !outage.Sleep(ctx, delay) {
			return
		}
		delay = min(2*delay, resubscribeMax)
	}
}
