// Package bus is the platform's NATS JetStream client: it provisions the
// streams, publishes events as CloudEvents in NATS headers, consumes them with
// durable pull consumers in batches, and keeps a dead-letter stream that an
// admin can list, replay and discard.
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"
)

// maxPendingPublishes bounds the asynchronous publishes awaiting an ack, so a
// large outbox batch cannot grow the client's buffers without limit.
const maxPendingPublishes = 4096

// ErrNotConnected is returned by Ready while the connection to NATS is down.
var ErrNotConnected = errors.New("not connected to nats")

// Bus is a connection to NATS with its JetStream context. It is safe for
// concurrent use; Close it when done.
type Bus struct {
	nc         *nats.Conn
	js         jetstream.JetStream
	log        *slog.Logger
	redelivery Redelivery
	metrics    *Metrics     // nil records nothing
	replicas   int          // of every stream Provision makes; 0 means one
	tracer     trace.Tracer // nil records no span (see WithTracerProvider)
}

// Connect dials url as client name and reconnects forever after a loss of
// connection, logging every disconnect, reconnect and asynchronous error.
// A server that is down when Connect is called is not an error: the bus
// keeps dialling in the background, Ready reports it not connected, and
// calls fail as an outage (see pkg/outage) until it answers, so that a
// service can start before NATS and wait for it.
func Connect(ctx context.Context, url, name string, log *slog.Logger, opts ...Option) (*Bus, error) {
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "bus")
	natsOpts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err == nil { // a deliberate Close
				log.Debug("nats connection closed")
				return
			}
			log.Warn("nats disconnected", "error", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			log.Error("nats async error", "subject", subject, "error", err)
		}),
	}
	nc, err := connectWithContext(ctx, url, natsOpts)
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(maxPendingPublishes),
		jetstream.WithPublishAsyncTimeout(30*time.Second),
	)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream context: %w", err)
	}
	b := &Bus{nc: nc, js: js, log: log, tracer: defaultTracer()}
	for _, opt := range opts {
		opt(b)
	}
	return b, nil
}

// connectWithContext dials, giving up when ctx ends first.
func connectWithContext(ctx context.Context, url string, opts []nats.Option) (*nats.Conn, error) {
	if deadline, ok := ctx.Deadline(); ok {
		opts = append(opts, nats.Timeout(time.Until(deadline)))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats: %w", err)
	}
	return nc, nil
}

// Close flushes pending publishes and closes the connection. Stop the
// consumers first, so that their last acks are sent.
func (b *Bus) Close() {
	if err := b.nc.Drain(); err != nil {
		b.nc.Close()
	}
}

// Conn is the underlying NATS connection.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// JetStream is the JetStream context the bus uses.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// Ready reports whether the connection is up and JetStream answers; it backs
// the /readyz checks.
func (b *Bus) Ready(ctx context.Context) error {
	if b.nc.Status() != nats.CONNECTED {
		return fmt.Errorf("%w: %s", ErrNotConnected, b.nc.Status())
	}
	if _, err := b.js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("jetstream account info: %w", err)
	}
	return nil
}
