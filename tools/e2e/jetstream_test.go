package e2e_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/tools/client"
)

const timeoutPerMessage = 2 * time.Second

func connectJetStream(t *testing.T) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(shop.stack.NATSURL)
	if err != nil {
		t.Fatalf("connect nats: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return nc, js
}

// consumersDone reports an error while any durable consumer of the domain
// streams has messages not yet delivered or acknowledged.
func consumersDone(ctx context.Context, js jetstream.JetStream) error {
	for _, name := range domainStreams {
		stream, err := js.Stream(ctx, name)
		if err != nil {
			return err
		}
		lister := stream.ListConsumers(ctx)
		for info := range lister.Info() {
			if info.Config.Durable == "" {
				continue
			}
			if info.NumPending > 0 || info.NumAckPending > 0 || info.NumRedelivered > 0 {
				return fmt.Errorf("consumer %s/%s: %d pending, %d unacknowledged", name, info.Name, info.NumPending, info.NumAckPending)
			}
		}
		if err := lister.Err(); err != nil {
			return err
		}
	}
	return nil
}

func hasType(msgs []*nats.Msg, typ string) bool {
	for _, m := range msgs {
		if m.Header.Get("ce-type") == typ {
			return true
		}
	}
	return false
}

func distinctIDs(msgs []*nats.Msg) int {
	ids := map[string]bool{}
	for _, m := range msgs {
		ids[m.Header.Get("ce-id")] = true
	}
	return len(ids)
}

func mustPayment(t *testing.T, orderID string) client.Payment {
	t.Helper()
	p, ok := payment(t, orderID)
	if !ok {
		t.Fatalf("no payment for order %s", orderID)
	}
	return p
}
