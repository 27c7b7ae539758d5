package leader

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/eventshop/eventshop/pkg/outage"
)

// DefaultProbeTimeout is how long NATSLiveness waits for a holder's
// answer before it counts the question as unanswered, not as evidence.
const DefaultProbeTimeout = time.Second

// livenessPrefix starts the subject an elector answers on; no stream
// captures it, so only the holder's connection answers.
const livenessPrefix = "_LEADER."

// NATSLiveness is a Liveness over a NATS connection every replica holds
// anyway. A holder answers requests on _LEADER.<election>.<holder> through
// its process's connection. When the process dies, even by kill -9, its
// kernel closes that connection, the server drops the subscription at
// once, and a request finds no responders: evidence that the holder is
// gone. A holder that is merely slow, or whose connection is only
// stalled, leaves the request unanswered instead, which is not evidence.
// Election names and holders must be single subject tokens (no dots,
// spaces or wildcards).
type NATSLiveness struct {
	nc      *nats.Conn
	timeout time.Duration
}

// NewNATSLiveness returns a Liveness over nc that waits timeout for an
// answer (DefaultProbeTimeout when zero).
func NewNATSLiveness(nc *nats.Conn, timeout time.Duration) *NATSLiveness {
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	return &NATSLiveness{nc: nc, timeout: timeout}
}

// Answer subscribes to holder's subject and waits until the server has the
// subscription. nats.go subscribes again after a reconnect.
func (l *NATSLiveness) Answer(ctx context.Context, election, holder string) (func(), error) {
	sub, err := l.nc.Subscribe(NATSLivenessSubject(election, holder), func(m *nats.Msg) { _ = m.Respond(nil) })
	if err != nil {
		return nil, fmt.Errorf("answer liveness probes: %w", err)
	}
	fctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	if err := l.nc.FlushWithContext(fctx); err != nil {
		_ = sub.Unsubscribe()
		// Not yet known to the server: NATS is down or slow, wait for it.
		return nil, outage.Mark(fmt.Errorf("answer liveness probes: %w", err))
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// Gone asks holder's subject: no responders is evidence it is gone; an
// answer, or none in time, is not.
func (l *NATSLiveness) Gone(ctx context.Context, election, holder string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	_, err := l.nc.RequestWithContext(ctx, NATSLivenessSubject(election, holder), nil)
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, nats.ErrNoResponders):
		return true, nil
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return false, nil
	default:
		return false, fmt.Errorf("probe lease holder: %w", err)
	}
}

// NATSLivenessSubject is the subject holder answers on in election, for
// an operator to ask by hand (nats request _LEADER.<election>.<holder> "").
func NATSLivenessSubject(election, holder string) string {
	return livenessPrefix + election + "." + holder
}
