package bus

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/outage"
)

// Defaults of ConsumerConfig's zero values.
const (
	DefaultMaxDeliver  = 5
	DefaultAckWait     = 10 * time.Second
	DefaultBatchSize   = 64
	DefaultConcurrency = 1
)

// DefaultBackoff returns the redelivery delay after the first, second,
// third and any later failed delivery; a fresh slice each time, so no
// caller can change another's.
func DefaultBackoff() []time.Duration {
	return []time.Duration{time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second}
}

// ConsumerConfig configures a durable pull consumer.
//
// AckWait and prefetching: the consumer asks JetStream for up to BatchSize
// messages ahead of its queue, which holds up to BatchSize more for the
// handlers. From the moment a message enters the queue until it is settled
// the consumer reports it in progress every third of AckWait, so neither a
// slow handler nor a long queue gets a held message redelivered. AckWait
// therefore bounds only two waits: a message's in the client's buffer before
// it is queued (behind at most the queue and the batches in the handlers),
// and how long the messages a crashed or cut-off process held wait before
// JetStream delivers them again. The second is why it is short: those
// messages' orders wait that long.
type ConsumerConfig struct {
	// Service names the consuming service; it is the second token of the
	// dead-letter subject "dlq.<service>.<type>". Required.
	Service string
	// Stream is the stream to read. Empty means the stream of the first
	// subject's domain ("order.>" → "ORDER").
	Stream string
	// Durable is the consumer name, "<service>-<purpose>". Empty means
	// "<service>-<stream in lower case>".
	Durable string
	// Subjects filters the stream; empty means every subject of the stream.
	Subjects []string
	// MaxDeliver is how many deliveries a message gets before it is
	// dead-lettered. Zero means DefaultMaxDeliver.
	MaxDeliver int
	// AckWait is how long JetStream waits for an ack, or a report that the
	// message is in progress, before redelivering. Zero means DefaultAckWait.
	AckWait time.Duration
	// Backoff is the delay before redelivery after the n-th failed delivery
	// (the last entry repeats). Empty means DefaultBackoff.
	Backoff []time.Duration
	// OutageBackoffMax caps the delay between deliveries of a message whose
	// handler found a dependency unavailable (outage.Is): the delay starts at
	// Backoff's first entry and doubles, and such a message is redelivered
	// for as long as the outage lasts, never dead-lettered. Zero means
	// DefaultOutageBackoffMax.
	OutageBackoffMax time.Duration
	// BatchSize is the most messages handed to the handler at once. Zero
	// means DefaultBatchSize.
	BatchSize int
	// Concurrency is how many batches are handled at the same time. Zero
	// means DefaultConcurrency; above one, events are handled out of order.
	Concurrency int
}

// ErrConfig marks an unusable ConsumerConfig.
var ErrConfig = errors.New("invalid consumer config")

// withDefaults fills the zero values and checks what has no default.
func (c ConsumerConfig) withDefaults() (ConsumerConfig, error) {
	if c.Service == "" {
		return c, fmt.Errorf("%w: service is required", ErrConfig)
	}
	if c.Stream == "" && len(c.Subjects) > 0 {
		domain, _, _ := strings.Cut(c.Subjects[0], ".")
		c.Stream = strings.ToUpper(domain)
	}
	if c.Stream == "" {
		return c, fmt.Errorf("%w: stream or subjects required", ErrConfig)
	}
	if c.Durable == "" {
		c.Durable = c.Service + "-" + strings.ToLower(c.Stream)
	}
	c.MaxDeliver = orDefault(c.MaxDeliver, DefaultMaxDeliver)
	c.AckWait = orDefault(c.AckWait, DefaultAckWait)
	c.BatchSize = orDefault(c.BatchSize, DefaultBatchSize)
	c.Concurrency = orDefault(c.Concurrency, DefaultConcurrency)
	if len(c.Backoff) == 0 {
		c.Backoff = DefaultBackoff()
	}
	c.OutageBackoffMax = orDefault(c.OutageBackoffMax, DefaultOutageBackoffMax)
	return c, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// jetStreamConfig is the durable consumer JetStream keeps for c.
//
// MaxDeliver is left unlimited on the server: the client counts deliveries and
// dead-letters at c.MaxDeliver, and a server limit would silently drop a
// message whose dead-lettering had failed, or one that waits out an outage
// of a dependency, which is redelivered however many times that takes. Redelivery delays come from
// NakWithDelay, so the server's BackOff is not used.
func (c ConsumerConfig) jetStreamConfig() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:        c.Durable,
		Description:    "Consumer of service " + c.Service,
		FilterSubjects: c.Subjects,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        c.AckWait,
		MaxDeliver:     -1,
		MaxAckPending:  max(1000, 4*c.BatchSize*c.Concurrency),
	}
}

// outageBackoff is the redelivery delay after the delivered-th delivery
// found a dependency unavailable: Backoff's first entry, doubled per
// delivery, capped at OutageBackoffMax.
func (c ConsumerConfig) outageBackoff(delivered uint64) time.Duration {
	return outage.Backoff{First: c.Backoff[0], Max: c.OutageBackoffMax}.Delay(max(delivered, 1))
}

// backoff is the redelivery delay after the delivered-th delivery failed.
func (c ConsumerConfig) backoff(delivered uint64) time.Duration {
	delivered = max(delivered, 1)
	return c.Backoff[min(delivered-1, uint64(len(c.Backoff)-1))]
}
