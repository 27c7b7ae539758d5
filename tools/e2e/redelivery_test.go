package e2e_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var domainStreams = []string{"ORDER", "INVENTORY", "PAYMENT", "NOTIFICATION"}

// sagaMessages returns every message of an order's saga in the domain streams.
func sagaMessages(ctx context.Context, js jetstream.JetStream, orderID string) ([]*nats.Msg, error) {
	var out []*nats.Msg
	for _, name := range domainStreams {
		stream, err := js.Stream(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("stream %s: %w", name, err)
		}
		cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
			FilterSubjects: []string{"*.*.*." + orderID},
		})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		info, err := cons.Info(ctx)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		for range info.NumPending {
			m, err := cons.Next(jetstream.FetchMaxWait(timeoutPerMessage))
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", name, err)
			}
			out = append(out, &nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
		}
	}
	return out, nil
}

// TestRedeliveredEventsHaveNoSecondEffect publishes every event of a
// confirmed order's saga a second time, as a broker redelivery or a relay
// retry would, and checks that nothing changes and no new event is produced.
func TestRedeliveredEventsHaveNoSecondEffect(t *testing.T) {
	ctx := testContext(t)
	o := place(t, shop.alice, "tok_visa", line("SKU-KEYBOARD", 1))
	if got := waitFinal(t, shop.alice, o.ID); got.Status != "CONFIRMED" {
		t.Fatalf("status = %s, want CONFIRMED", got.Status)
	}
	checkInvariants(t)
	_, js := connectJetStream(t)
	var first []*nats.Msg
	eventually(t, func() error { // the saga ends with the notification's event
		var err error
		first, err = sagaMessages(ctx, js, o.ID)
		if err == nil && !hasType(first, "notification.sent.v1") {
			err = fmt.Errorf("no notification.sent.v1 yet among %d events", len(first))
		}
		return err
	})
	stockBefore, paymentBefore := stock(t, "SKU-KEYBOARD"), mustPayment(t, o.ID)
	for _, m := range first {
		m.Header.Set(jetstream.MsgIDHeader, m.Header.Get("ce-id")+"-again")
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatalf("republish %s: %v", m.Subject, err)
		}
	}
	eventually(t, func() error { return consumersDone(ctx, js) })
	checkInvariants(t)
	second, err := sagaMessages(ctx, js, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := distinctIDs(second), distinctIDs(first); got != want {
		t.Errorf("distinct events after redelivery = %d, want %d: a handler had a second effect", got, want)
	}
	if s := stock(t, "SKU-KEYBOARD"); s != stockBefore {
		t.Errorf("stock changed on redelivery: %+v -> %+v", stockBefore, s)
	}
	if p := mustPayment(t, o.ID); p != paymentBefore {
		t.Errorf("payment changed on redelivery: %+v -> %+v", paymentBefore, p)
	}
	if n := notificationsFor(t, shop.alice, o.ID); len(n) != 1 {
		t.Errorf("notifications = %d, want 1", len(n))
	}
}
