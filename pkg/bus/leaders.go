package bus

import (
	"fmt"
	"sync"

	"github.com/nats-io/nats.go"
)

// leaderElectedSubject is the JetStream advisory a stream's new leader
// publishes once elected, for any stream.
const leaderElectedSubject = "$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.*"

// leaders tells the publishes waiting for acks that a stream elected a
// leader. A publish sent while its stream had no leader (its leader's node
// was lost) is never answered: the replicas left drop it. Once the new
// leader is elected, waiting longer for that answer is waiting for
// nothing, so the waiting publishes fail at once, as an outage, and the
// caller sends them again (the stream drops the copies it had stored, by
// Nats-Msg-Id).
type leaders struct {
	mu      sync.Mutex
	elected chan struct{} // closed at the next election
}

// watchLeaders subscribes to the leader-elected advisories; nats.go keeps
// the subscription across reconnects.
func watchLeaders(nc *nats.Conn) (*leaders, error) {
	l := &leaders{elected: make(chan struct{})}
	if _, err := nc.Subscribe(leaderElectedSubject, func(*nats.Msg) { l.announce() }); err != nil {
		return nil, fmt.Errorf("subscribe to leader elections: %w", err)
	}
	return l, nil
}

// next returns a channel closed at the next election.
func (l *leaders) next() <-chan struct{} {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.elected
}

func (l *leaders) announce() {
	l.mu.Lock()
	close(l.elected)
	l.elected = make(chan struct{})
	l.mu.Unlock()
}
