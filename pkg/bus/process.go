package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/event"
)

// delivery is a received message with what process learnt of it.
type delivery struct {
	msg  jetstream.Msg
	meta *jetstream.MsgMetadata
}

// work takes batches off the queue and handles them until Stop.
func (c *Consumer) work(ctx context.Context) {
	defer c.workers.Done()
	for {
		batch, ok := c.nextBatch()
		if !ok {
			return
		}
		c.process(ctx, batch)
	}
}

// nextBatch waits for one message, then adds whatever else is already queued,
// up to BatchSize, so a quiet consumer answers at once and a busy one batches.
// After Stop it returns what is left in the queue, then false.
func (c *Consumer) nextBatch() ([]jetstream.Msg, bool) {
	var first jetstream.Msg
	select {
	case first = <-c.msgs:
	case <-c.done:
		select {
		case first = <-c.msgs:
		default:
			return nil, false
		}
	}
	batch := make([]jetstream.Msg, 1, c.cfg.BatchSize)
	batch[0] = first
	for len(batch) < c.cfg.BatchSize {
		select {
		case m := <-c.msgs:
			batch = append(batch, m)
		default:
			return batch, true
		}
	}
	return batch, true
}

// process validates a batch, hands the valid messages to the handler and
// settles every message according to its outcome. Each valid message is
// handled in a CONSUMER span of its own (Message.Span); a batch of one runs
// entirely inside it, a larger batch's shared work (the inbox's round
// trips) inside none, and each message's own work inside its span.
func (c *Consumer) process(ctx context.Context, batch []jetstream.Msg) {
	valid := make([]Message, 0, len(batch))
	deliveries := make([]delivery, 0, len(batch))
	for _, m := range batch {
		meta, err := m.Metadata()
		if err != nil {
			c.log.Error("message without jetstream metadata", "subject", m.Subject(), "error", err)
			continue
		}
		c.b.metrics.delivered(c.cfg.Durable, meta.NumDelivered)
		ev, err := decode(m)
		if err != nil {
			c.deadLetter(ctx, delivery{msg: m, meta: meta}, err)
			continue
		}
		span := c.startConsume(ctx, m.Headers(), ev, meta.NumDelivered)
		valid = append(valid, Message{Event: ev, Delivered: meta.NumDelivered, Stream: meta.Stream, Sequence: meta.Sequence.Stream, Span: span})
		deliveries = append(deliveries, delivery{msg: m, meta: meta})
	}
	if len(valid) == 0 {
		return
	}
	hctx := ctx
	if len(valid) == 1 { // the whole run, inbox included, is the message's
		hctx = valid[0].WithSpan(ctx)
	}
	stop := c.keepAlive(deliveries)
	errs := c.handle(hctx, valid)
	stop()
	for i, d := range deliveries {
		c.settle(valid[i].WithSpan(ctx), d, errs[i])
		if c.b.tracer != nil {
			endSpan(valid[i].Span, errs[i])
		}
	}
}

// decode reads the event of m and validates it against its schema.
func decode(m jetstream.Msg) (event.Event, error) {
	ev, err := EventFromMsg(m.Subject(), m.Headers(), m.Data())
	if err != nil {
		return ev, err
	}
	if err := event.Validate(ev.Type, ev.Data); err != nil {
		return ev, err
	}
	return ev, nil
}

// handle runs the handler, turning a panic or a wrong number of results
// into an error for every message so they are retried.
func (c *Consumer) handle(ctx context.Context, msgs []Message) (errs []error) {
	start := time.Now()
	defer func() {
		c.b.metrics.handled(c.cfg.Durable, time.Since(start))
		if p := recover(); p != nil {
			errs = fill(len(msgs), fmt.Errorf("handler panic: %v", p))
		}
	}()
	errs = c.h(ctx, msgs)
	switch {
	case errs == nil:
		return make([]error, len(msgs))
	case len(errs) != len(msgs):
		return fill(len(msgs), fmt.Errorf("handler returned %d results for %d messages", len(errs), len(msgs)))
	}
	return errs
}

// keepAlive tells JetStream every half AckWait that the batch is still being
// worked on, so a slow handler does not get its messages redelivered to
// another replica while it runs. The returned func stops it.
func (c *Consumer) keepAlive(ds []delivery) (stop func()) {
	done := make(chan struct{})
	go func() {
		ticker := time.NewTicker(c.cfg.AckWait / 2)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				for _, d := range ds {
					_ = d.msg.InProgress() // best effort: a lost one only risks a redelivery
				}
			}
		}
	}()
	return func() { close(done) }
}

func fill(n int, err error) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}

// settle acks a handled message; redelivers one whose handler found a
// dependency unavailable, for as long as that lasts; dead-letters one that
// failed permanently, or failed MaxDeliver times for another reason; and
// otherwise redelivers it after the backoff, so a failing message never
// holds up the ones behind it. The order of the cases is the policy of
// docs/adr/0014-outages-are-waited-for.md.
func (c *Consumer) settle(ctx context.Context, d delivery, err error) {
	switch decide(err, d.meta.NumDelivered, c.cfg.MaxDeliver) {
	case settleAck:
		c.outage.Succeeded()
		c.ack(ctx, d)
	case settleWait:
		c.outage.Failed(err)
		c.nakOutage(ctx, d, err)
	case settleDeadLetter:
		c.deadLetter(ctx, d, err)
	default:
		c.nak(ctx, d, err)
	}
}

func (c *Consumer) ack(ctx context.Context, d delivery) {
	// A plain ack is fire-and-forget; a lost one means a redelivery, which
	// the inbox makes harmless, so DoubleAck's round trip is not worth it.
	if err := d.msg.Ack(); err != nil {
		c.log.WarnContext(ctx, "ack", "subject", d.msg.Subject(), "error", err)
	}
	c.b.metrics.settled(c.cfg.Durable, resultAck)
}

func (c *Consumer) nak(ctx context.Context, d delivery, cause error) {
	delay := c.cfg.backoff(d.meta.NumDelivered)
	c.log.WarnContext(ctx, "event handling failed, will retry",
		"subject", d.msg.Subject(), "event_id", d.msg.Headers().Get(HeaderID),
		"delivered", d.meta.NumDelivered, "retry_in", delay, "error", cause)
	if err := d.msg.NakWithDelay(delay); err != nil {
		c.log.WarnContext(ctx, "nak", "subject", d.msg.Subject(), "error", err)
	}
	c.b.metrics.settled(c.cfg.Durable, resultNak)
}

// nakOutage redelivers a message whose handler found a dependency
// unavailable. The outage was logged once, by the consumer's Watch; each
// message's retry is logged at debug level only.
func (c *Consumer) nakOutage(ctx context.Context, d delivery, cause error) {
	delay := c.cfg.outageBackoff(d.meta.NumDelivered)
	c.log.DebugContext(ctx, "dependency unavailable, will retry",
		"subject", d.msg.Subject(), "event_id", d.msg.Headers().Get(HeaderID),
		"delivered", d.meta.NumDelivered, "retry_in", delay, "error", cause)
	if err := d.msg.NakWithDelay(delay); err != nil {
		c.log.DebugContext(ctx, "nak", "subject", d.msg.Subject(), "error", err)
	}
	c.b.metrics.settled(c.cfg.Durable, resultOutage)
}

// deadLetter moves a message to the DLQ and acks it; if the DLQ cannot take
// it, the message is redelivered later instead of being lost.
func (c *Consumer) deadLetter(ctx context.Context, d delivery, cause error) {
	if cause == nil {
		cause = errors.New("unknown error")
	}
	if err := c.publishDeadLetter(ctx, d, cause); err != nil {
		c.nak(ctx, d, fmt.Errorf("dead-letter: %w", err))
		return
	}
	c.log.WarnContext(ctx, "event dead-lettered",
		"subject", d.msg.Subject(), "event_id", d.msg.Headers().Get(HeaderID),
		"delivered", d.meta.NumDelivered, "error", cause)
	if err := d.msg.Ack(); err != nil {
		c.log.WarnContext(ctx, "ack dead letter", "subject", d.msg.Subject(), "error", err)
	}
	c.b.metrics.settled(c.cfg.Durable, resultDeadLetter)
}
