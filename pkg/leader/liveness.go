package leader

import "context"

// Liveness tells a standby that the replica holding an unexpired lease is
// gone, sooner than the lease runs out: a lease alone cannot tell a killed
// leader from a live one until it expires. Mongo uses it when given one
// (WithLiveness); NATSLiveness is the platform's.
type Liveness interface {
	// Answer makes this process answer for holder, in election, until
	// the returned stop is called. It returns once the answers are in
	// place, so that no standby finds holder gone while it leads.
	Answer(ctx context.Context, election, holder string) (stop func(), err error)
	// Gone reports true only on evidence that holder's process is gone,
	// and false when it answered or the question went unanswered: a
	// holder too busy to answer in time is not dead. An error is a
	// failure to ask, no evidence either way.
	Gone(ctx context.Context, election, holder string) (bool, error)
}
