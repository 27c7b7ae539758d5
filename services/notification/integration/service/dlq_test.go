package service_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/testkit"
)

func TestInvalidEventIsDeadLettered(t *testing.T) {
	t.Parallel()
	h := start(t)
	order := newOrderID(t)
	ev := event.Event{
		ID: uuid.NewString(), Type: schemas.TypeOrderConfirmedV1, Source: "order", Subject: order,
		Time: time.Now(), Data: json.RawMessage(`{"order_id":"` + order + `"}`),
	}
	h.publish(ev)
	dlq := bus.NewDeadLetters(h.bus)
	var letters []bus.DeadLetter
	testkit.EventuallyErr(t, waitFor, func() error {
		var err error
		letters, err = dlq.List(t.Context(), bus.DLQFilter{Service: "notification"})
		if err == nil && len(letters) == 0 {
			return errors.New("no dead letter yet")
		}
		return err
	})
	if len(letters) != 1 || letters[0].Type != schemas.TypeOrderConfirmedV1 {
		t.Errorf("dead letters = %+v, want the one invalid event", letters)
	}
	h.settled()
	if docs := h.documents(order); len(docs) != 0 {
		t.Errorf("documents = %+v, want none", docs)
	}
}
