package bus

import (
	"context"
	"errors"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/pkg/outage"
)

// unanswered is a publish whose ack never comes, as one sent while its
// stream had no leader.
type unanswered struct{}

func (unanswered) Ok() <-chan *jetstream.PubAck { return nil }
func (unanswered) Err() <-chan error            { return nil }
func (unanswered) Msg() *nats.Msg               { return nil }

// TestAwaitAckEndsAtALeaderElection waits for an ack that never comes and
// has no stall timer: a leader election ends the wait, as an outage, and
// the next wait is for the next election.
func TestAwaitAckEndsAtALeaderElection(t *testing.T) {
	t.Parallel()
	l := &leaders{elected: make(chan struct{})}
	elected := l.next()
	l.announce()
	_, err := awaitAck(context.Background(), unanswered{}, nil, elected, false)
	if !errors.Is(err, errAckStalled) || !outage.Is(err) {
		t.Errorf("awaitAck after an election = %v, want the stall error, an outage", err)
	}
	select {
	case <-l.next():
		t.Error("the wait for the next election ended before it")
	default:
	}
}
