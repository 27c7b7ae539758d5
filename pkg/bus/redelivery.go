package bus

import "time"

// DefaultOutageBackoffMax caps the pause between deliveries of a message
// whose handler found a dependency unavailable.
const DefaultOutageBackoffMax = 30 * time.Second

// Redelivery is how a service's consumers redeliver failed messages. A
// service reads it from its environment (the CONSUMER_* variables, with the
// service's prefix) and hands it to Connect with WithRedelivery; it fills
// the fields a ConsumerConfig leaves zero.
type Redelivery struct {
	// MaxDeliver is how many deliveries a message whose handler fails (not
	// for an outage) gets before it is dead-lettered.
	MaxDeliver int `env:"CONSUMER_MAX_DELIVER" envDefault:"5"`
	// Backoff is the delay before redelivery after the n-th failed delivery,
	// the last entry repeating.
	Backoff []time.Duration `env:"CONSUMER_BACKOFF" envDefault:"1s,5s,15s,30s"`
	// OutageBackoffMax caps the delays, doubling from Backoff's first entry,
	// between deliveries of a message while a dependency is unavailable.
	OutageBackoffMax time.Duration `env:"CONSUMER_OUTAGE_BACKOFF_MAX" envDefault:"30s"`
}

// Option configures Connect.
type Option func(*Bus)

// WithRedelivery makes r the redelivery of every consumer of the bus whose
// ConsumerConfig leaves MaxDeliver, Backoff or OutageBackoffMax zero.
func WithRedelivery(r Redelivery) Option {
	return func(b *Bus) { b.redelivery = r }
}

// fill sets c's zero redelivery fields from r.
func (r Redelivery) fill(c ConsumerConfig) ConsumerConfig {
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = r.MaxDeliver
	}
	if len(c.Backoff) == 0 {
		c.Backoff = r.Backoff
	}
	if c.OutageBackoffMax <= 0 {
		c.OutageBackoffMax = r.OutageBackoffMax
	}
	return c
}
