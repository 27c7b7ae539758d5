package bus

import "github.com/eventshop/eventshop/pkg/outage"

// settlement is what the consumer does with a handled message.
type settlement int

const (
	// settleAck acks: the message was handled.
	settleAck settlement = iota
	// settleWait redelivers with a capped backoff for as long as a
	// dependency is unavailable, never dead-lettering.
	settleWait
	// settleRetry redelivers after the backoff, up to MaxDeliver.
	settleRetry
	// settleDeadLetter moves the message to the dead-letter stream.
	settleDeadLetter
)

// decide is the consumer's one settlement policy for a handler's result err
// on the delivered-th delivery. An outage is checked after Permanent, so
// that an adapter can refuse a request for good even when the refusal
// happened to wrap a timeout; and before MaxDeliver, so that an outage
// longer than the redelivery schedule dead-letters nothing.
func decide(err error, delivered uint64, maxDeliver int) settlement {
	switch {
	case err == nil:
		return settleAck
	case IsPermanent(err):
		return settleDeadLetter
	case outage.Is(err):
		return settleWait
	case delivered >= uint64(maxDeliver):
		return settleDeadLetter
	default:
		return settleRetry
	}
}
