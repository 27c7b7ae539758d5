package bus

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/outage"
)

// Message is one delivered event with its delivery facts.
type Message struct {
	Event     event.Event
	Delivered uint64 // how many times JetStream has delivered it, 1 the first time
	Stream    string
	Sequence  uint64 // stream sequence
	// Span is the message's CONSUMER span, which the consumer ends once
	// the message is settled; a handler runs the message's work inside it
	// (WithSpan).
	Span trace.Span
}

// BatchHandler handles a batch of messages and returns one error per message,
// in order: nil acks the message, an error marked Permanent dead-letters it,
// an error of an unavailable dependency (outage.Is) redelivers it with a
// capped backoff for as long as the outage lasts, and any other error
// redelivers it after a backoff until MaxDeliver, then dead-letters it. A nil
// slice means every message succeeded.
type BatchHandler func(ctx context.Context, msgs []Message) []error

// Each adapts a handler of single events to a BatchHandler.
func Each(fn func(ctx context.Context, ev event.Event) error) BatchHandler {
	return func(ctx context.Context, msgs []Message) []error {
		errs := make([]error, len(msgs))
		for i, m := range msgs {
			errs[i] = fn(m.WithSpan(ctx), m.Event)
		}
		return errs
	}
}

// Consumer runs a durable pull consumer until Stop.
type Consumer struct {
	b      *Bus
	cfg    ConsumerConfig
	h      BatchHandler
	log    *slog.Logger
	msgs   chan jetstream.Msg
	done   chan struct{} // closed by Stop: workers finish what is queued and exit
	wake   chan struct{} // asks the supervisor to subscribe again
	cancel context.CancelFunc
	outage *outage.Watch // logs the start and end of a dependency's outage once

	mu       sync.Mutex
	cc       jetstream.ConsumeContext
	cons     jetstream.Consumer // for reading the lag
	stopping bool

	workers    sync.WaitGroup
	supervisor sync.WaitGroup
	stopOnce   sync.Once
}

// Consume creates or updates the durable consumer cfg describes and handles
// its messages with h until Stop is called or ctx is done. Messages whose
// envelope or payload is invalid go to the dead-letter stream at once and
// never reach h. Handlers get a context that carries ctx's values but is not
// cancelled with it, so a batch in flight at shutdown can finish.
//
// Consume survives reconnects, a restart of the server and the deletion of
// its consumer: it recreates the consumer and subscribes again.
func (b *Bus) Consume(ctx context.Context, cfg ConsumerConfig, h BatchHandler) (*Consumer, error) {
	cfg, err := b.redelivery.fill(cfg).withDefaults()
	if err != nil {
		return nil, err
	}
	b.metrics.consumerStarted(cfg.Durable)
	superCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c := &Consumer{
		b:      b,
		cfg:    cfg,
		h:      h,
		log:    b.log.With("consumer", cfg.Durable, "stream", cfg.Stream),
		msgs:   make(chan jetstream.Msg, 2*cfg.BatchSize),
		done:   make(chan struct{}),
		wake:   make(chan struct{}, 1),
		cancel: cancel,
	}
	c.outage = outage.NewWatch(c.log, "handler dependency", outage.Backoff{})
	if err := c.subscribe(ctx); err != nil {
		if !outage.Is(err) {
			cancel()
			return nil, fmt.Errorf("consume %s: %w", cfg.Durable, err)
		}
		// NATS is down: the supervisor subscribes once it is back.
		c.log.Warn("nats unavailable, will subscribe when it returns", "error", err)
		c.wake <- struct{}{}
	}
	handlerCtx := context.WithoutCancel(ctx)
	for range cfg.Concurrency {
		c.workers.Add(1)
		go c.work(handlerCtx)
	}
	c.supervisor.Add(2)
	go c.supervise(superCtx)
	go c.watchLag(superCtx)
	context.AfterFunc(ctx, c.Stop)
	return c, nil
}

// Stop stops fetching, lets the messages already received be handled and
// settled, and returns when no batch is in flight. It is safe to call more
// than once and from several goroutines.
func (c *Consumer) Stop() {
	c.stopOnce.Do(func() {
		c.mu.Lock()
		c.stopping = true
		cc := c.cc
		c.mu.Unlock()
		c.cancel()
		c.supervisor.Wait()
		if cc != nil {
			c.drain(cc)
		}
		close(c.done)
		c.workers.Wait()
		c.log.Info("consumer stopped")
	})
}

// drain stops pulling and waits until the messages JetStream already sent
// are queued for the workers, or until AckWait, after which JetStream
// redelivers them anyway.
func (c *Consumer) drain(cc jetstream.ConsumeContext) {
	cc.Drain()
	timer := time.NewTimer(c.cfg.AckWait)
	defer timer.Stop()
	select {
	case <-cc.Closed():
	case <-timer.C:
		cc.Stop()
	}
}

// receive queues a message for the workers; it runs on the subscription's
// goroutine, so a full queue slows the fetching down.
func (c *Consumer) receive(m jetstream.Msg) {
	select {
	case c.msgs <- m:
	case <-c.done:
	}
}
