package outage

import (
	"errors"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsDown reports NATS's outages: what nats.go and its jetstream package
// return while the server, or JetStream on it, cannot be reached.
func natsDown(err error) bool {
	for _, target := range []error{
		nats.ErrConnectionClosed, nats.ErrConnectionDraining, nats.ErrConnectionReconnecting,
		nats.ErrDisconnected, nats.ErrNoServers, nats.ErrTimeout, nats.ErrNoResponders,
		nats.ErrStaleConnection, jetstream.ErrNoHeartbeat, jetstream.ErrJetStreamNotEnabled,
		jetstream.ErrAsyncPublishTimeout,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
