package command

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// The notification service's one event is built here, from domain values,
// as in every service: Deliver stores it through the repository with the
// notification's sent state.

// Source is the service's name as the source of its events.
const Source = "notification"

// sentEventSpace names the ids of notification.sent events.
var sentEventSpace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:eventshop:notification.sent"))

// sentEvent is the notification.sent.v1 event of a delivered notification.
// Its id follows from the notification's, so that the event of a second
// round (one that outlived its lease while another round delivered too) is
// the same event, which the stream and every inbox drop.
func sentEvent(n domain.Notification) (event.Event, error) {
	ev, err := event.New(Source, schemas.TypeNotificationSentV1, n.ID(), schemas.NotificationSentV1{
		NotificationID: n.ID(), OrderID: n.ID(), CustomerID: n.CustomerID(),
		Kind: string(n.Kind()), Channel: n.Channel(),
	})
	if err != nil {
		return event.Event{}, fmt.Errorf("build sent event: %w", err)
	}
	ev.ID = uuid.NewSHA1(sentEventSpace, []byte(n.ID())).String()
	return ev, nil
}
